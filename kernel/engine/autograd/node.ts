// A node of the autograd graph: the op that made a tensor, its inputs, where each input's gradient
// goes, the tensors its backward reads (saved, with their versions), and the function that turns
// the output's gradient into the inputs' gradients (flat buffers, llm.c style).
//
// NOTE: `next` is fixed when the op runs: input k's gradient goes to the node that made input k at
// that moment (or to input k itself, a leaf). An in-place op later gives the input tensor a new
// node (tensor/in-place.ts), but this op still sends its gradient to the old one, as in PyTorch.

import { check, fmtShape, ReceptiveError } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { lastInPlaceOp, versionOf } from "./version";

/** Gradient buffers are plain Float32Arrays in the layout of the tensor they belong to. */
export type Grad = Float32Array;

/**
 * Given d(loss)/d(output), returns d(loss)/d(input) for each input (null where not needed), as
 * fresh buffers (autograd/grad-buffers.ts) or dout itself. dout belongs to the op for the call
 * (nobody else holds it), so it may also be overwritten and returned. `acc[k]`, when given, is
 * the gradient accumulated so far for input k: an op whose kernel adds (+=) may add into it and
 * return it.
 */
export type BackwardFn = (dout: Grad, acc?: readonly (Grad | null)[]) => (Grad | null)[];

/** What an op's backward reads: an input or another tensor (a target, indices), or its own output. */
export type Saved = Tensor | null | "output";

/** Where a gradient goes: the node that made a tensor, or a leaf tensor (into its .grad). */
export type GradTarget = GradNode | Tensor;

interface SavedTensor {
  tensor: Tensor;
  version: number;
  /** "exp output", "conv2d input 1", for error messages. */
  what: string;
}

export class GradNode {
  /** Where input k's gradient goes; null where the input did not require grad. */
  readonly next: readonly (GradTarget | null)[];
  private fn: BackwardFn | null;
  private saved: SavedTensor[];
  /** Set by backward without retainGraph: the saved tensors and the closure are gone. */
  private freed = false;
  /**
   * The op's arguments other than its tensor inputs, as it used them ({ kernelSize, stride... },
   * { min, max }, { dim, start, end }): PyTorch's `grad_fn._saved_*`. Exporters (onnx/) write
   * functional ops from them. Set by `withArgs` (autograd/record.ts); empty for most ops.
   */
  args: Readonly<Record<string, unknown>> = {};

  constructor(
    /** The op's name, shown in error messages and `t.gradFn.name` (e.g. "conv2d"). */
    readonly name: string,
    /** The op's tensor inputs, in order; null where an optional input was absent. */
    readonly inputs: readonly (Tensor | null)[],
    saves: readonly Saved[],
    backward: BackwardFn,
    output: Tensor,
  ) {
    this.next = inputs.map((t) => (t?.requiresGrad ? (t.gradFn ?? t) : null));
    this.fn = backward;
    this.saved = [];
    for (const s of saves) {
      if (s === null) continue;
      const tensor = s === "output" ? output : s;
      const k = inputs.indexOf(tensor);
      const what =
        s === "output" ? `${name} output` : k >= 0 ? `${name} input ${k}` : `tensor saved by ${name}`;
      this.saved.push({ tensor, version: versionOf(tensor), what });
    }
  }

  /**
   * Throws unless backward can run: the node was not freed by an earlier backward, and no saved
   * tensor was modified in place since the op ran.
   */
  checkReady(): void {
    check(
      !this.freed,
      "backward",
      `Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed): ${this.name}'s saved tensors were freed by the first backward. Specify retainGraph: true (loss.backward({ retainGraph: true })) the first time if you need to backward through the graph again, or run the forward pass again`,
    );
    for (const s of this.saved) {
      const now = versionOf(s.tensor);
      if (now === s.version) continue;
      throw new ReceptiveError(
        "backward",
        `one of the variables needed for gradient computation has been modified by an inplace operation: [${s.what} of shape ${fmtShape(s.tensor.shape)}] is at version ${now}; expected version ${s.version} instead. ` +
          `Fix: ${fix(lastInPlaceOp(s.tensor))}`,
      );
    }
  }

  /** Runs the op's backward (checkReady first). */
  backward(dout: Grad, acc?: readonly (Grad | null)[]): (Grad | null)[] {
    this.checkReady();
    return this.fn!(dout, acc);
  }

  /**
   * Drops the saved tensors and the closure (what backward does unless retainGraph). A node that
   * saved nothing stays usable, as in PyTorch (`x.sum()` can backward twice).
   */
  free(): void {
    if (this.saved.length === 0) return;
    this.freed = true;
    this.fn = null;
    this.saved = [];
  }
}

/** How to avoid the in-place write `op` that invalidated a saved tensor. */
function fix(op: string): string {
  if (op.endsWith(".step")) return `call backward() before ${op}(), or run the forward pass again after it`;
  if (op.endsWith("_"))
    return `use an out-of-place op (z = z.${op.slice(0, -1)}(...) instead of z.${op}(...)) or .clone() the tensor before modifying it`;
  return "use an out-of-place op (z = z.mul(0) instead of z.mul_(0)) or .clone() the tensor before modifying it";
}
