// Adam and AdamW (torch.optim.Adam / AdamW, 1.13), with amsgrad and maximize:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  vmax = max(vmax, v) with amsgrad
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Adam adds weightDecay * p to the gradient (L2); AdamW decays the weights directly,
// p *= 1 - lr * weightDecay, before the update (decoupled weight decay, Loshchilov & Hutter).

import { adamUpdate } from "../backends/ref/optim";
import { check } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { num, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from "./optimizer";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

function validate(op: string, o: Required<AdamOptions>): void {
  check(o.lr >= 0, op, () => `lr must be >= 0, got ${o.lr}`);
  check(o.eps >= 0, op, () => `eps must be >= 0, got ${o.eps}`);
  for (const [i, b] of o.betas.entries())
    check(b >= 0 && b < 1, op, () => `betas[${i}] must be in [0, 1), got ${b}`);
  check(o.weightDecay >= 0, op, () => `weightDecay must be >= 0, got ${o.weightDecay}`);
}

abstract class AdamBase extends Optimizer {
  protected abstract readonly decoupled: boolean;

  protected update(p: Float32Array, grad: Float32Array, state: ParamState, group: ParamGroup): void {
    const lr = num(group, "lr");
    const [beta1, beta2] = group.betas as [number, number];
    const eps = num(group, "eps");
    const wd = num(group, "weightDecay");
    const step = ((state.step as number | undefined) ?? 0) + 1;
    state.step = step;
    const m = this.buffer(state, "expAvg", p);
    const v = this.buffer(state, "expAvgSq", p);
    const vmax = group.amsgrad ? this.buffer(state, "maxExpAvgSq", p) : null;
    adamUpdate(p, grad, m, v, vmax, lr, beta1, beta2, eps, wd, this.decoupled, group.maximize === true, step);
  }
}

/** Adam: adaptive moments. Defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0. */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions = {}) {
    const o = {
      lr: 1e-3,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...options,
    };
    validate("Adam", o);
    super(params, o);
  }
}

/** AdamW: Adam with decoupled weight decay. Defaults as Adam but weightDecay 1e-2. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions = {}) {
    const o = {
      lr: 1e-3,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
      ...options,
    };
    validate("AdamW", o);
    super(params, o);
  }
}
