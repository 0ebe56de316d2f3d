// nn.SqueezeExcitation beyond its golden: torchvision's state-dict keys, a custom gate
// (MobileNetV3's Hardsigmoid) computed by hand from the layers, and its errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, nn, randn } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

describe("nn.SqueezeExcitation", () => {
  it("has torchvision's parameter names and counts", () => {
    const se = new nn.SqueezeExcitation(16, 4);
    assert.deepEqual(Object.keys(se.stateDict()), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    const count = se.parameters().reduce((a, p) => a + p.numel, 0);
    assert.equal(count, 16 * 4 + 4 + 4 * 16 + 16);
  });

  it("rescales each channel by the gated excitation of its mean", () => {
    const se = new nn.SqueezeExcitation(3, 2, { activation: nn.SiLU, scaleActivation: nn.Hardsigmoid });
    const x = randn([2, 3, 4, 5]);
    const pooled = F.adaptiveAvgPool2d(x, 1);
    const hidden = F.silu(F.conv2d(pooled, se.fc1.weight, se.fc1.bias));
    const scale = F.hardsigmoid(F.conv2d(hidden, se.fc2.weight, se.fc2.bias));
    expectClose(se.forward(x).storage, x.mul(scale).storage, "output");
    assert.deepEqual(se.scale(x).shape, [2, 3, 1, 1]);
  });

  it("explains a channel mismatch", () => {
    assert.throws(
      () => new nn.SqueezeExcitation(8, 2).forward(randn([1, 6, 4, 4])),
      /SqueezeExcitation: expects input \(N, 8, H, W\), got shape \[1, 6, 4, 4\]/,
    );
    assert.throws(
      () => new nn.SqueezeExcitation(8, 0),
      /SqueezeExcitation: squeezeChannels must be a positive integer, got 0/,
    );
  });
});
