// RMSprop (torch.optim.RMSprop, 1.13): divides the gradient by a running RMS of its recent values.
//   sq = alpha sq + (1 - alpha) g^2;  centered: ga = alpha ga + (1 - alpha) g, avg = sqrt(sq - ga^2)
//   else avg = sqrt(sq);  avg += eps
//   momentum > 0: buf = momentum buf + g / avg, p -= lr buf;  else p -= lr g / avg

import { check } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { num, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from "./optimizer";

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

/** Defaults lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false. */
export class RMSprop extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: RMSpropOptions = {}) {
    const o = {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    };
    check(o.lr >= 0, "RMSprop", () => `lr must be >= 0, got ${o.lr}`);
    check(o.alpha >= 0, "RMSprop", () => `alpha must be >= 0, got ${o.alpha}`);
    check(o.momentum >= 0, "RMSprop", () => `momentum must be >= 0, got ${o.momentum}`);
    super(params, o);
  }

  protected update(p: Float32Array, grad: Float32Array, state: ParamState, group: ParamGroup): void {
    const lr = num(group, "lr");
    const alpha = num(group, "alpha");
    const eps = num(group, "eps");
    const wd = num(group, "weightDecay");
    const momentum = num(group, "momentum");
    const sign = group.maximize ? -1 : 1;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const sq = this.buffer(state, "squareAvg", p);
    const ga = group.centered ? this.buffer(state, "gradAvg", p) : null;
    const buf = momentum > 0 ? this.buffer(state, "momentumBuffer", p) : null;
    for (let i = 0; i < p.length; i++) {
      let g = sign * grad[i];
      if (wd !== 0) g += wd * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * g * g;
      let avg: number;
      if (ga !== null) {
        ga[i] = alpha * ga[i] + (1 - alpha) * g;
        avg = Math.sqrt(sq[i] - ga[i] * ga[i]);
      } else avg = Math.sqrt(sq[i]);
      avg += eps;
      if (buf !== null) {
        buf[i] = momentum * buf[i] + g / avg;
        p[i] -= lr * buf[i];
      } else p[i] -= (lr * g) / avg;
    }
  }
}
