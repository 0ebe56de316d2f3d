// Dropout layers: active in training mode only (module.eval() turns them off).

import { check } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { dropout, dropout2d } from "./functional";
import { Module } from "./module";

function checkP(op: string, p: number): void {
  check(p >= 0 && p <= 1, op, () => `dropout probability has to be between 0 and 1, but got ${p}`);
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP("Dropout", p);
  }
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of (N, C, H, W) with probability p (spatial dropout). */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP("Dropout2d", p);
  }
  forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
