// In-place ops (Tensor's add_, mul_, fill_, zero_, copy_, clamp_): write a tensor's storage and
// bump its version (autograd/version.ts), so that backward through a graph that saved the old
// values refuses to run instead of computing a wrong gradient.
//
// With gradients recorded (outside noGrad) and the tensor or the other operand requiring grad, the
// op also joins the graph as PyTorch's do: the tensor gets a new node whose input is the tensor as
// it was, so `z = x.mul(2); z.mul_(3)` differentiates as 6x. Ops recorded earlier keep sending
// their gradient to the old node. Refused, as in PyTorch: in-place ops on a leaf that requires
// grad (outside noGrad: that is how optimizers update parameters), and on a view made inside
// noGrad of a tensor that requires grad. Refused here only (PyTorch rewrites the history of a
// view's base, which this engine cannot): recorded in-place ops on a tensor whose storage a view
// method (view, reshape, flatten, squeeze, unsqueeze) shares with another tensor.

import { gradBuffer } from "../autograd/grad-buffers";
import { isGradEnabled } from "../autograd/grad-mode";
import { type BackwardFn, GradNode } from "../autograd/node";
import { bumpVersion, isViewed, markViewed } from "../autograd/version";
import { broadcastTo, sumTo } from "../backends/ref/reduce";
import { check, fmtShape } from "../errors";
import { broadcastShapes, broadcastStrides, sameShape } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { notATensor } from "./tensor-args";

/** Views made inside noGrad of a tensor that requires grad (PyTorch refuses to modify them in place). */
const noGradViews = new WeakSet<Tensor>();

/** Records that `view` was made from `base` by a view method (for the checks below). */
export function markView(view: Tensor, base: Tensor): Tensor {
  if (view.storage !== base.storage) return view;
  markViewed(view.storage);
  if (!isGradEnabled() && base.requiresGrad) noGradViews.add(view);
  return view;
}

/**
 * Checks that `op` may modify `t` in place with `others` as operands, and returns whether it
 * joins the graph.
 */
function begin(t: Tensor, op: string, others: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  check(
    !(t.isLeaf && t.requiresGrad),
    op,
    `a leaf tensor that requires grad is being used in an in-place operation. Fix: wrap the update in noGrad(() => ...), as optimizers do, or use the out-of-place op (w = w.${op.slice(0, -1)}(...))`,
  );
  check(
    !noGradViews.has(t),
    op,
    "A view was created in noGrad mode and is being modified inplace with grad mode enabled; its base requires grad, and the change would be invisible to autograd. Fix: make the view outside noGrad, modify it inside noGrad too, or .clone() it first",
  );
  const record = t.requiresGrad || others.some((o) => o.requiresGrad);
  check(
    !(record && isViewed(t.storage)),
    op,
    () =>
      `this tensor (shape ${fmtShape(t.shape)}) shares its storage with a view (view, reshape, flatten, squeeze or unsqueeze), and an in-place op in the autograd graph would leave the other tensor's gradient history stale (PyTorch rewrites it; receptive does not). Fix: use the out-of-place op (y = y.${op.slice(0, -1)}(...)), or .clone() the tensor before modifying it`,
  );
  return record;
}

/** Gives `t` a new node: `op` applied to `t` as it was (and to `others`). Call after writing. */
function rebase(t: Tensor, op: string, others: readonly (Tensor | null)[], backward: BackwardFn): void {
  const before = new Tensor(t.storage, t.shape, t.dtype); // t's place in the graph until now
  before.requiresGrad = t.requiresGrad;
  before.gradFn = t.gradFn;
  t.gradFn = new GradNode(op, [before, ...others], [], backward, t);
  t.requiresGrad = true;
}

/** `other`'s values broadcast to t's shape (its storage itself when it has t's size). */
function operand(t: Tensor, other: Tensor, op: string): Float32Array {
  if (other.numel === t.numel) return other.storage;
  const shape = broadcastShapes(other.shape, t.shape, op);
  check(
    sameShape(shape, t.shape),
    op,
    () =>
      `other has shape ${fmtShape(other.shape)}, which does not broadcast to this tensor's shape ${fmtShape(t.shape)} (an in-place op keeps the tensor's shape); use the out-of-place op`,
  );
  const out = new Float32Array(t.numel);
  broadcastTo(out, other.storage, t.shape, broadcastStrides(other.shape, t.shape));
  return out;
}

/** d(loss)/d(other) from g in t's shape: summed over the dims `other` was broadcast along. */
function reduceTo(other: Tensor, t: Tensor, g: Float32Array): Float32Array {
  if (other.numel === t.numel) return g;
  const d = gradBuffer(other.numel);
  sumTo(d, g, t.shape, broadcastStrides(other.shape, t.shape));
  return d;
}

function asOperand(other: unknown, op: string): Tensor | number {
  if (typeof other === "number" || other instanceof Tensor) return other;
  throw notATensor(other, op, "other", "a Tensor or a number");
}

/** t += alpha * other (other broadcast to t's shape). */
export function add_(t: Tensor, other: Tensor | number, alpha = 1, op = "add_"): Tensor {
  const o = asOperand(other, op);
  const s = t.storage;
  const ov = o instanceof Tensor ? operand(t, o, op) : null;
  const record = begin(t, op, o instanceof Tensor ? [o] : []);
  if (ov === null) for (let i = 0; i < s.length; i++) s[i] += alpha * (o as number);
  else for (let i = 0; i < s.length; i++) s[i] += alpha * ov[i];
  bumpVersion(s, op);
  if (record)
    rebase(t, op, [o instanceof Tensor ? o : null], (dout) => {
      if (!(o instanceof Tensor) || !o.requiresGrad) return [dout, null];
      const scaled = dout.map((v) => alpha * v);
      return [dout, reduceTo(o, t, scaled)];
    });
  return t;
}

/** t *= other (other broadcast to t's shape). */
export function mul_(t: Tensor, other: Tensor | number): Tensor {
  const op = "mul_";
  const o = asOperand(other, op);
  const s = t.storage;
  const ov = o instanceof Tensor ? operand(t, o, op) : null;
  const record = begin(t, op, o instanceof Tensor ? [o] : []);
  // What backward needs, copied before the write: other's values (for t's gradient) and t's
  // old values (for other's); either may share t's storage.
  const factor = record && ov !== null && t.requiresGrad ? ov.slice() : null;
  const old = record && o instanceof Tensor && o.requiresGrad ? s.slice() : null;
  if (ov === null) for (let i = 0; i < s.length; i++) s[i] *= o as number;
  else for (let i = 0; i < s.length; i++) s[i] *= ov[i];
  bumpVersion(s, op);
  if (record)
    rebase(t, op, [o instanceof Tensor ? o : null], (dout) => {
      const dother =
        old !== null
          ? reduceTo(
              o as Tensor,
              t,
              dout.map((v, i) => v * old[i]),
            )
          : null;
      if (factor !== null) for (let i = 0; i < dout.length; i++) dout[i] *= factor[i];
      else if (typeof o === "number") for (let i = 0; i < dout.length; i++) dout[i] *= o;
      return [factor !== null || typeof o === "number" ? dout : null, dother];
    });
  return t;
}

/** Every element set to `value`. */
export function fill_(t: Tensor, value: number, op = "fill_"): Tensor {
  check(typeof value === "number", op, () => `value must be a number, got ${typeof value}`);
  const record = begin(t, op, []);
  t.storage.fill(value);
  bumpVersion(t.storage, op);
  if (record) rebase(t, op, [], () => [null]);
  return t;
}

/** Copies src's values (broadcast to t's shape) into t. */
export function copy_(t: Tensor, src: Tensor): Tensor {
  const op = "copy_";
  if (!(src instanceof Tensor)) throw notATensor(src, op, "src", "a Tensor");
  const values = operand(t, src, op);
  const record = begin(t, op, [src]);
  t.storage.set(values);
  bumpVersion(t.storage, op);
  if (record) rebase(t, op, [src], (dout) => [null, src.requiresGrad ? reduceTo(src, t, dout) : null]);
  return t;
}

/** Values limited to [min, max] in place; either bound may be null. */
export function clamp_(t: Tensor, min?: number | null, max?: number | null): Tensor {
  const op = "clamp_";
  check(min != null || max != null, op, "at least one of min and max must be given");
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  const record = begin(t, op, []);
  const s = t.storage;
  // The gradient passes where the old value lay within the bounds (PyTorch's clamp).
  const pass = record ? s.map((v) => (v >= lo && v <= hi ? 1 : 0)) : null;
  for (let i = 0; i < s.length; i++) s[i] = s[i] < lo ? lo : s[i] > hi ? hi : s[i];
  bumpVersion(s, op);
  if (record)
    rebase(t, op, [], (dout) => {
      for (let i = 0; i < dout.length; i++) dout[i] *= pass![i];
      return [dout];
    });
  return t;
}
