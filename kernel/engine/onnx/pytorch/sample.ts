// A sample input for tracing a module when none is given: from its first layer (Conv2d's input
// channels, Linear's features) and the input sizes the course's models take, the first that runs.

import { noGrad } from "../../autograd/grad-mode";
import { ReceptiveError } from "../../errors";
import * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";

export function guessInput(module: nn.Module, op: string): Tensor {
  const first = module
    .modules()
    .find((m) => m instanceof nn.Conv2d || m instanceof nn.Conv1d || m instanceof nn.Linear);
  const declared = (module as { inputSize?: unknown }).inputSize;
  const sizes = [...(typeof declared === "number" ? [declared] : []), 28, 32, 64, 224];
  const candidates: number[][] =
    first instanceof nn.Conv2d
      ? sizes.map((s) => [1, first.inChannels, s, s])
      : first instanceof nn.Conv1d
        ? [[1, first.inChannels, 64]]
        : first instanceof nn.Linear
          ? [[1, first.inFeatures]]
          : [];
  const modes = module.modules().map((m) => [m, m.training] as const);
  try {
    module.eval();
    for (const shape of candidates) {
      const x = new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      try {
        noGrad(() => module.forward(x));
        return x;
      } catch {
        // try the next size
      }
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  throw new ReceptiveError(
    op,
    `cannot tell what input ${module.constructor.name} takes (tried ${candidates.map((s) => `[${s}]`).join(", ") || "nothing: no Conv or Linear layer"}); ` +
      "pass { sampleInput: randn([1, 3, 32, 32]) } with your input's shape",
  );
}
