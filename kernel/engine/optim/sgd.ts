// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
// exactly as torch.optim.SGD (1.13) updates:
//   g = grad (+ weightDecay * p);  buf = g on the first step, else momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf;  p -= lr * g     (maximize flips the gradient's sign)

import { sgdUpdate } from "../backends/ref/optim";
import { check } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { num, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from "./optimizer";

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export class SGD extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: SGDOptions) {
    check(
      typeof options !== "number",
      "SGD",
      () => `options come as an object: new optim.SGD(model.parameters(), { lr: ${options} })`,
    );
    check(
      options !== undefined && typeof options.lr === "number",
      "SGD",
      "lr is required: new optim.SGD(model.parameters(), { lr: 0.01 })",
    );
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } = options;
    check(momentum >= 0, "SGD", () => `momentum must be >= 0, got ${momentum}`);
    check(weightDecay >= 0, "SGD", () => `weightDecay must be >= 0, got ${weightDecay}`);
    check(
      !nesterov || (momentum > 0 && dampening === 0),
      "SGD",
      "Nesterov momentum requires a momentum > 0 and zero dampening",
    );
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize });
  }

  protected update(p: Float32Array, grad: Float32Array, state: ParamState, group: ParamGroup): void {
    const lr = num(group, "lr");
    const momentum = num(group, "momentum");
    const dampening = num(group, "dampening");
    const wd = num(group, "weightDecay");
    const first = state.momentumBuffer === undefined;
    const buf = momentum !== 0 ? this.buffer(state, "momentumBuffer", p) : null;
    sgdUpdate(
      p,
      grad,
      buf,
      lr,
      momentum,
      dampening,
      wd,
      group.nesterov === true,
      group.maximize === true,
      first,
    );
  }
}
