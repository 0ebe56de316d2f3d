// torchvision's weight initialisation for its CNNs, shared by the model builders: convs
// kaiming-normal (fan-out, ReLU gain) with zero bias, batch norms weight 1 / bias 0, and
// (for VGG and MobileNet) linears N(0, 0.01) with zero bias.

import { BatchNorm2d } from "../nn/batchnorm";
import { Conv2d } from "../nn/conv";
import { constant_, kaimingNormal_, normal_ } from "../nn/init";
import { Linear } from "../nn/linear";
import type { Module } from "../nn/module";

/** Applies torchvision's init to every Conv2d and BatchNorm2d, and to Linear layers when `linearStd` is given. */
export function initWeights(model: Module, { linearStd }: { linearStd?: number } = {}): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      kaimingNormal_(m.weight, { mode: "fanOut", nonlinearity: "relu" });
      if (m.bias !== null) constant_(m.bias, 0);
    } else if (m instanceof BatchNorm2d) {
      if (m.weight !== null) constant_(m.weight, 1);
      if (m.bias !== null) constant_(m.bias, 0);
    } else if (m instanceof Linear && linearStd !== undefined) {
      normal_(m.weight, 0, linearStd);
      if (m.bias !== null) constant_(m.bias, 0);
    }
  }
}
