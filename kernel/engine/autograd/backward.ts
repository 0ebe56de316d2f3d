// Reverse-mode differentiation over the graph recorded by ops: a topological order from the
// output, then each node's backward in reverse, accumulating (+=) gradients so a tensor used
// twice gets both contributions. Leaves that require grad receive `.grad`.

import { binaryForward } from "../backends/ref/elementwise";
import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { copyGrad, isResident, releaseGradBuffer } from "./grad-buffers";
import { noGrad } from "./grad-mode";
import type { Grad } from "./node";

export function runBackward(root: Tensor, gradient?: Tensor): void {
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
      gradient.numel === root.numel,
      "backward",
      () => `gradient has shape ${fmtShape(gradient.shape)} but the tensor has shape ${fmtShape(root.shape)}`,
    );
    seed = gradient.data;
  }

  const order = topoOrder(root);
  // Every gradient buffer in `grads` belongs to the engine alone (the seed is a copy; closures
  // return fresh buffers or dout itself), so it may be added into, handed on, or recycled.
  const grads = new Map<Tensor, Grad>([[root, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (t.gradFn === null) {
        // A leaf: its first gradient becomes .grad as it is (nothing else holds g), unless it
        // lives in wasm memory (then .grad gets a copy).
        if (t.grad === null && !isResident(g)) t.accumulateGrad(g, true);
        else {
          t.accumulateGrad(g);
          releaseGradBuffer(g);
        }
        continue;
      }
      if (t.retainsGrad) t.accumulateGrad(g);
      const inputs = t.gradFn.inputs;
      const acc = inputs.map((input, k) =>
        input !== null && inputs.indexOf(input) === k && inputs.lastIndexOf(input) === k
          ? (grads.get(input) ?? null)
          : null,
      );
      const inputGrads = t.gradFn.backward(g, acc);
      let gGiven = false;
      inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (ig === null || ig === undefined) return;
        if (input === null || !input.requiresGrad) {
          // Not wanted after all: a wasm-resident buffer goes back to the pool (it cannot be freed).
          const shared =
            overlaps(ig, g) ||
            isHeld(grads, ig) ||
            inputGrads.some((o, j) => j !== k && o != null && overlaps(o, ig));
          if (isResident(ig) && !shared) releaseGradBuffer(ig);
          return;
        }
        if (ig === acc[k]) return; // the op added into the gradient accumulated so far
        const prev = grads.get(input);
        if (prev !== undefined) addInto(prev, ig);
        else if (ig === g && !gGiven) {
          grads.set(input, g);
          gGiven = true;
        } else grads.set(input, overlaps(ig, g) || isHeld(grads, ig) ? copyGrad(ig) : ig);
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
function isHeld(grads: Map<Tensor, Grad>, g: Grad): boolean {
  for (const h of grads.values()) if (overlaps(h, g)) return true;
  return false;
}

/** Tensors reachable from `root` through grad functions, each after all its inputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep nets make graphs too deep for recursion.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, k] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (k < inputs.length) {
      top[1]++;
      const input = inputs[k];
      if (input?.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push([input, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}
