// Reference optimizer updates, one parameter tensor per call, in place: the arithmetic of
// torch.optim.SGD and Adam/AdamW (1.13) that optim/sgd.ts and optim/adam.ts dispatch here so a
// backend (wasm) can run them too. All buffers are flat and the same length as `p`.

import { type Buf, defineKernel } from "../registry";

/**
 * SGD: g = sign * grad (+ weightDecay * p); with a momentum buffer `buf` (null when momentum is 0):
 * buf = g on the first step, else momentum * buf + (1 - dampening) * g, and g = nesterov ?
 * g + momentum * buf : buf; then p -= lr * g. sign is -1 with maximize.
 */
export const sgdUpdate = defineKernel(
  "sgdUpdate",
  (
    p: Buf,
    grad: Buf,
    buf: Buf | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
    first: boolean,
  ) => {
    const sign = maximize ? -1 : 1;
    for (let i = 0; i < p.length; i++) {
      let g = sign * grad[i];
      if (weightDecay !== 0) g += weightDecay * p[i];
      if (buf !== null) {
        buf[i] = first ? g : momentum * buf[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * g;
    }
  },
);

/**
 * Adam / AdamW step number `step` (1-based): g = sign * grad; AdamW (decoupled) first scales
 * p *= 1 - lr * weightDecay, Adam adds weightDecay * p to g; m = b1 m + (1 - b1) g;
 * v = b2 v + (1 - b2) g^2; with amsgrad (vmax not null) vmax = max(vmax, v) is used for v;
 * p -= lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps).
 */
export const adamUpdate = defineKernel(
  "adamUpdate",
  (
    p: Buf,
    grad: Buf,
    m: Buf,
    v: Buf,
    vmax: Buf | null,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    maximize: boolean,
    step: number,
  ) => {
    const sign = maximize ? -1 : 1;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    for (let i = 0; i < p.length; i++) {
      let g = sign * grad[i];
      if (decoupled) p[i] *= 1 - lr * weightDecay;
      else if (weightDecay !== 0) g += weightDecay * p[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      let second = v[i];
      if (vmax !== null) {
        if (v[i] > vmax[i]) vmax[i] = v[i];
        second = vmax[i];
      }
      p[i] -= (stepSize * m[i]) / (Math.sqrt(second) / bc2Sqrt + eps);
    }
  },
);
