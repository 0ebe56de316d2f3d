// Dropout: in training, zero each element (dropout) or each whole channel (dropout2d) with
// probability p and scale the survivors by 1 / (1 - p), so the expected value is unchanged.
// The mask is drawn from the seeded default generator (manualSeed makes it reproducible) and is a
// constant factor of a multiplication: backward reuses the very same mask.

import { check, fmtShape } from "../errors";
import { defaultGenerator, type Generator } from "../tensor/random";
import { numelOf } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { mul } from "./elementwise";
import { checkTensor } from "./tensor-args";

export interface DropoutOptions {
  /** Probability of zeroing an element (a channel for dropout2d). */
  p?: number;
  /** Off (false) makes dropout the identity, as in evaluation mode. */
  training?: boolean;
  /** Where the mask's random numbers come from (default: the global seeded generator). */
  generator?: Generator;
}

/** PyTorch's positional (p, training) or an options object { p, training }. */
function parseArgs(op: string, input: Tensor, pOrOptions: number | DropoutOptions, training: boolean) {
  checkTensor(input, op, "input");
  const o = typeof pOrOptions === "number" ? { p: pOrOptions, training } : (pOrOptions ?? {});
  const { p = 0.5, training: on = true, generator = defaultGenerator } = o as DropoutOptions;
  check(
    typeof p === "number" && p >= 0 && p <= 1,
    op,
    () => `dropout probability has to be between 0 and 1, but got ${p}`,
  );
  return { p, on, generator };
}

/** A mask of `shape`: 0 with probability p, else 1 / (1 - p). */
function mask(shape: readonly number[], p: number, generator: Generator): Tensor {
  const m = new Float32Array(numelOf(shape));
  const scale = p < 1 ? 1 / (1 - p) : 0;
  for (let i = 0; i < m.length; i++) m[i] = generator.uniform() < p ? 0 : scale;
  return new Tensor(m, shape);
}

/**
 * Zeroes each element with probability p (default 0.5) and scales the rest by 1 / (1 - p);
 * the identity when training is false. `dropout(x, 0.2)`, `dropout(x, 0.2, false)` or
 * `dropout(x, { p: 0.2, training: false })`.
 */
export function dropout(input: Tensor, p: number | DropoutOptions = 0.5, training = true): Tensor {
  const a = parseArgs("dropout", input, p, training);
  if (!a.on || a.p === 0) return input;
  return mul(input, mask(input.shape, a.p, a.generator));
}

/**
 * Zeroes whole channels of (N, C, H, W) or unbatched (C, H, W) input with probability p and scales
 * the rest by 1 / (1 - p) (spatial dropout: neighbouring pixels are correlated, so dropping single
 * pixels would regularise little). The identity when training is false.
 */
export function dropout2d(input: Tensor, p: number | DropoutOptions = 0.5, training = true): Tensor {
  const a = parseArgs("dropout2d", input, p, training);
  check(
    input.ndim === 4 || input.ndim === 3,
    "dropout2d",
    () =>
      `expects (N, C, H, W) or unbatched (C, H, W) input, got shape ${fmtShape(input.shape)}; ` +
      `use dropout to drop single elements of other shapes`,
  );
  if (!a.on || a.p === 0) return input;
  const channels = input.shape.slice(0, input.ndim - 2);
  return mul(input, mask([...channels, 1, 1], a.p, a.generator));
}
