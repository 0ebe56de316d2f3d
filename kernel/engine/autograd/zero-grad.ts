// Clearing gradients between steps: `.grad` accumulates across backward() calls (as in PyTorch),
// so training loops reset it. Modules and optimizers have their own zeroGrad built on this.

import type { Tensor } from "../tensor/tensor";
import { noGrad } from "./grad-mode";
import { bumpVersion } from "./version";

/** Resets the gradients of `tensors`: to null (default, like setToNone) or to zeros in place. */
export function zeroGrad(
  tensors: Iterable<Tensor>,
  { setToNone = true }: { setToNone?: boolean } = {},
): void {
  noGrad(() => {
    for (const t of tensors) {
      if (t.grad === null) continue;
      if (setToNone) t.grad = null;
      else {
        t.grad.storage.fill(0);
        bumpVersion(t.grad.storage, "zeroGrad");
      }
    }
  });
}
