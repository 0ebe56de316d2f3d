// Reverse-mode differentiation over the graph recorded by ops: a topological order from the
// output, then each node's backward in reverse, accumulating (+=) gradients so a tensor used
// twice gets both contributions. Leaves that require grad receive `.grad`.
//
// Before any gradient moves, every node on the way is checked (GradNode.checkReady): none was
// freed by an earlier backward, and no tensor it saved was modified in place since. Each node's
// saved tensors are freed once it has run, unless `retainGraph` (PyTorch's retain_graph).

import { binaryForward } from "../backends/ref/elementwise";
import { copyStorage, isResident } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import { copyGrad, gradBufferUninit, releaseGradBuffer } from "./grad-buffers";
import { noGrad } from "./grad-mode";
import type { Grad, GradNode, GradTarget } from "./node";

export interface BackwardOptions {
  /** Keep the graph's saved tensors so that backward can run through it again (default false). */
  retainGraph?: boolean;
}

export function runBackward(
  root: Tensor,
  gradient?: Tensor,
  { retainGraph = false }: BackwardOptions = {},
): void {
  check(
    root.requiresGrad,
    "backward",
    "this tensor does not require grad and has no grad_fn; create its inputs with { requiresGrad: true } and do not wrap the computation in noGrad",
  );
  let seed: Float32Array;
  if (gradient === undefined) {
    check(
      root.numel === 1,
      "backward",
      () =>
        `grad can be implicitly created only for scalar outputs, but this tensor has shape ${fmtShape(root.shape)}. Reduce it first (.sum() or .mean()) or pass a gradient of the same shape: t.backward(gradient)`,
    );
    seed = new Float32Array([1]);
  } else {
    check(
      gradient instanceof Tensor,
      "backward",
      () =>
        `gradient must be a Tensor of the tensor's shape ${fmtShape(root.shape)}, got ${typeof gradient}; options go last: t.backward(gradient, { retainGraph: true })`,
    );
    check(
      gradient.numel === root.numel,
      "backward",
      () => `gradient has shape ${fmtShape(gradient.shape)} but the tensor has shape ${fmtShape(root.shape)}`,
    );
    // A copy the engine owns, in wasm memory where the backend keeps storage (a memmove there;
    // gradient.data would copy a view of shared memory element by element).
    seed = gradBufferUninit(gradient.numel);
    copyStorage(seed, gradient.storage);
  }

  const start: GradTarget = root.gradFn ?? root;
  const { order, retained } = topoOrder(start, root);
  for (const v of order) if (!(v instanceof Tensor)) v.checkReady();
  // Every gradient buffer in `grads` belongs to the engine alone (the seed is a copy; closures
  // return fresh buffers or dout itself), so it may be added into, handed on, or recycled.
  const grads = new Map<GradTarget, Grad>([[start, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i];
      const g = grads.get(v);
      if (g === undefined) continue;
      grads.delete(v);
      if (v instanceof Tensor) {
        // A leaf: its first gradient becomes .grad as it is (nothing else holds g), unless it
        // lives in wasm memory (then .grad gets a copy).
        if (v.grad === null && !isResident(g)) v.accumulateGrad(g, true);
        else {
          v.accumulateGrad(g);
          releaseGradBuffer(g);
        }
        continue;
      }
      retained.get(v)?.accumulateGrad(g);
      const next = v.next;
      const acc = next.map((n, k) =>
        n !== null && next.indexOf(n) === k && next.lastIndexOf(n) === k ? (grads.get(n) ?? null) : null,
      );
      const inputGrads = v.backward(g, acc);
      if (!retainGraph) v.free();
      let gGiven = false;
      next.forEach((n, k) => {
        const ig = inputGrads[k];
        if (ig === null || ig === undefined) return;
        if (n === null) {
          // Not wanted after all: a wasm-resident buffer goes back to the free list (it cannot be freed).
          const shared =
            overlaps(ig, g) ||
            isHeld(grads, ig) ||
            inputGrads.some((o, j) => j !== k && o != null && overlaps(o, ig));
          if (isResident(ig) && !shared) releaseGradBuffer(ig);
          return;
        }
        if (ig === acc[k]) return; // the op added into the gradient accumulated so far
        const prev = grads.get(n);
        if (prev !== undefined) addInto(prev, ig);
        else if (ig === g && !gGiven) {
          grads.set(n, g);
          gGiven = true;
        } else grads.set(n, overlaps(ig, g) || isHeld(grads, ig) ? copyGrad(ig) : ig);
      });
      if (!gGiven && !inputGrads.some((ig) => ig != null && overlaps(ig, g))) releaseGradBuffer(g);
    }
  });
}

/** Below this many floats the JS loop beats the add kernel's copies into wasm memory. */
const KERNEL_ADD_MIN = 16384;

/**
 * prev += g, elementwise (same length): gradient accumulation. Large buffers go to the add kernel
 * (the same f32 sums: an f32 add rounds like JS's f64 add stored to f32).
 */
export function addInto(prev: Grad, g: Grad): void {
  const n = prev.length;
  if (n >= KERNEL_ADD_MIN) {
    binaryForward("add", prev, prev, g, [n], [1], [1]);
    return;
  }
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    prev[j] += g[j];
    prev[j + 1] += g[j + 1];
    prev[j + 2] += g[j + 2];
    prev[j + 3] += g[j + 3];
  }
  for (; j < n; j++) prev[j] += g[j];
}

/**
 * True when a and b share memory. NOTE: not just the same `.buffer`: every gradient resident in
 * wasm memory has the memory's buffer.
 */
function overlaps(a: Grad, b: Grad): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/** True when `g` is already some tensor's gradient in `grads` (an op returned one buffer twice). */
function isHeld(grads: Map<GradTarget, Grad>, g: Grad): boolean {
  for (const h of grads.values()) if (overlaps(h, g)) return true;
  return false;
}

/**
 * Nodes and leaves reachable from `start`, each after all its inputs; and the tensors that asked
 * for their gradient (retainGrad) by the node that made them.
 */
function topoOrder(
  start: GradTarget,
  root: Tensor,
): { order: GradTarget[]; retained: Map<GradNode, Tensor> } {
  const order: GradTarget[] = [];
  const retained = new Map<GradNode, Tensor>();
  if (root.retainsGrad && root.gradFn !== null) retained.set(root.gradFn, root);
  const seen = new Set<GradTarget>([start]);
  // Iterative DFS: deep nets make graphs too deep for recursion.
  const stack: [GradTarget, number][] = [[start, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [v, k] = top;
    const next = v instanceof Tensor ? [] : v.next;
    if (k < next.length) {
      top[1]++;
      const n = next[k];
      if (n === null) continue;
      // A non-leaf input that still holds the node it was made by keeps that node's gradient.
      const input = (v as GradNode).inputs[k];
      if (input?.retainsGrad && input.gradFn === n) retained.set(n as GradNode, input);
      if (!seen.has(n)) {
        seen.add(n);
        stack.push([n, 0]);
      }
    } else {
      stack.pop();
      order.push(v);
    }
  }
  return { order, retained };
}
