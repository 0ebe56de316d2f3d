// F.pixelShuffle and F.pixelUnshuffle (PyTorch 1.13): trade channels for resolution, as in
// sub-pixel convolution (Shi et al. 2016). Composites of view and permute, so their gradients come
// from those ops.
//
// Shapes: pixelShuffle (*, C * r * r, H, W) -> (*, C, H * r, W * r); pixelUnshuffle the reverse.

import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { permute, reshape } from "./shape";
import { checkTensor } from "./tensor-args";

function factor(op: string, name: string, input: Tensor, args: readonly unknown[]): number {
  checkTensor(input, op, "input");
  const r = (namedArgs<Record<string, number>>(op, [name], args) as Record<string, number>)[name];
  check(
    Number.isInteger(r) && r >= 1,
    op,
    () => `${name} must be a whole number >= 1, got ${JSON.stringify(r)}`,
  );
  check(
    input.ndim >= 3,
    op,
    () =>
      `input must have at least 3 dims (*, C, H, W), got shape ${fmtShape(input.shape)}` +
      (input.ndim === 2 ? "; add the channel dim with x.unsqueeze(0)" : ""),
  );
  return r;
}

/**
 * Rearranges (*, C * r * r, H, W) to (*, C, H * r, W * r): out[c, h * r + i, w * r + j] =
 * in[c * r * r + i * r + j, h, w]. `F.pixelShuffle(x, 2)` or `F.pixelShuffle(x, { upscaleFactor: 2 })`.
 */
export function pixelShuffle(input: Tensor, ...args: (number | { upscaleFactor?: number })[]): Tensor {
  const op = "pixelShuffle";
  const r = factor(op, "upscaleFactor", input, args);
  const batch = input.shape.slice(0, -3);
  const [Crr, H, W] = input.shape.slice(-3);
  check(
    Crr % (r * r) === 0,
    op,
    () =>
      `the channel dim (${Crr}, input shape ${fmtShape(input.shape)}) must be divisible by upscaleFactor squared (${r * r})`,
  );
  const C = Crr / (r * r);
  const B = batch.reduce((a, b) => a * b, 1);
  const x = reshape(input, [B, C, r, r, H, W], op);
  const y = permute(x, [0, 1, 4, 2, 5, 3]); // (B, C, H, r, W, r)
  return reshape(y, [...batch, C, H * r, W * r], op);
}

/**
 * Rearranges (*, C, H * r, W * r) to (*, C * r * r, H, W), the inverse of pixelShuffle.
 * `F.pixelUnshuffle(x, 2)` or `F.pixelUnshuffle(x, { downscaleFactor: 2 })`.
 */
export function pixelUnshuffle(input: Tensor, ...args: (number | { downscaleFactor?: number })[]): Tensor {
  const op = "pixelUnshuffle";
  const r = factor(op, "downscaleFactor", input, args);
  const batch = input.shape.slice(0, -3);
  const [C, Hr, Wr] = input.shape.slice(-3);
  check(
    Hr % r === 0 && Wr % r === 0,
    op,
    () =>
      `the height and width (${Hr}x${Wr}, input shape ${fmtShape(input.shape)}) must be divisible by downscaleFactor (${r})`,
  );
  const [H, W] = [Hr / r, Wr / r];
  const B = batch.reduce((a, b) => a * b, 1);
  const x = reshape(input, [B, C, H, r, W, r], op);
  const y = permute(x, [0, 1, 3, 5, 2, 4]); // (B, C, r, r, H, W)
  return reshape(y, [...batch, C * r * r, H, W], op);
}
