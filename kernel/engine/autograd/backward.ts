// Reverse-mode differentiation over the graph recorded by ops: a topological order from the
// output, then each node's backward in reverse, accumulating (+=) gradients so a tensor used
// twice gets both contributions. Leaves that require grad receive `.grad`.

import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
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
  const grads = new Map<Tensor, Grad>([[root, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (t.gradFn === null || t.retainsGrad) t.accumulateGrad(g);
      if (t.gradFn === null) continue;
      const inputGrads = t.gradFn.backward(g);
      t.gradFn.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (input === null || ig === null || ig === undefined || !input.requiresGrad) return;
        const prev = grads.get(input);
        if (prev === undefined) grads.set(input, ig === g ? ig.slice() : ig);
        else for (let j = 0; j < prev.length; j++) prev[j] += ig[j];
      });
    }
  });
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
