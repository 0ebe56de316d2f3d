// Region-of-interest pooling (torchvision.ops): roiAlign (Mask R-CNN: bilinear samples averaged
// per bin) and roiPool (Fast R-CNN: the max per bin of whole pixels) crop a box out of a feature
// map (N, C, H, W) and pool it to a fixed OH x OW grid, one (C, OH, OW) result per box. Both
// differentiate with respect to the input (not the boxes, as in torchvision).
//
// Boxes come as torchvision takes them: a (K, 5) tensor of (batch index, x1, y1, x2, y2) rows, or
// a list with one (L, 4) tensor of (x1, y1, x2, y2) per image of the batch.

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import {
  type RoiGeometry,
  roiAlignBackward,
  roiAlignForward,
  roiPoolBackward,
  roiPoolForward,
} from "../backends/ref/roi";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import { checkBoxes, checkBoxRows } from "./boxes";
import { checkTensor, checkTensorList, notATensor } from "./tensor-args";

/** A (K, 5) tensor of (batch index, x1, y1, x2, y2) rows, or one (L, 4) tensor per image. */
export type RoiBoxes = Tensor | readonly Tensor[];

export interface RoiPoolOptions {
  /** Maps box coordinates onto the feature map: 0.5 for boxes on a 224-pixel image and a 112 map. Default 1. */
  spatialScale?: number;
}

export interface RoiAlignOptions extends RoiPoolOptions {
  /** Sample points per bin and side; <= 0 (default -1) uses ceil(bin size) of them. */
  samplingRatio?: number;
  /** Shift boxes by -0.5 pixel so pixel centres sit at integer + 0.5 (Detectron2). Default false. */
  aligned?: boolean;
}

/** The boxes as rois (K, 5), checked against the batch of N images. `shared`: rois is boxes' own storage. */
function roisOf(op: string, boxes: unknown, N: number): { rois: Float32Array; K: number; shared: boolean } {
  if (boxes instanceof Tensor) {
    check(
      boxes.ndim === 2 && boxes.shape[1] === 5,
      op,
      () =>
        `boxes must be a (K, 5) tensor of (batch index, x1, y1, x2, y2) rows or a list of (L, 4) tensors, one per image, got shape ${fmtShape(boxes.shape)}` +
        (boxes.ndim === 2 && boxes.shape[1] === 4 ? `. Fix: pass [boxes] for a batch of one image` : ""),
    );
    const r = boxes.storage;
    const K = boxes.shape[0];
    for (let k = 0; k < K; k++) {
      const b = r[k * 5];
      check(
        Number.isInteger(b) && b >= 0 && b < N,
        op,
        () =>
          `boxes[${k}] has batch index ${b}, but the input holds ${N} image${N === 1 ? "" : "s"}; ` +
          `the first column must be an image index in [0, ${N - 1}]`,
      );
    }
    checkBoxRows(op, "boxes", r, K, 5, 1);
    return { rois: r, K, shared: true };
  }
  if (!Array.isArray(boxes) || !boxes.some((b) => b instanceof Tensor))
    throw notATensor(boxes, op, "boxes", "a Tensor");
  checkTensorList(boxes, op, "boxes");
  check(
    boxes.length <= N,
    op,
    () => `boxes is a list of ${boxes.length} tensors (one per image), but the input holds ${N} images`,
  );
  boxes.forEach((b, i) => {
    checkBoxes(op, `boxes[${i}]`, b);
  });
  const K = boxes.reduce((s, b) => s + b.shape[0], 0);
  const rois = new Float32Array(K * 5); // (K, 5)
  let k = 0;
  boxes.forEach((b, i) => {
    for (let j = 0; j < b.shape[0]; j++, k++) {
      rois[k * 5] = i;
      rois.set(b.storage.subarray(j * 4, j * 4 + 4), k * 5 + 1);
    }
  });
  return { rois, K, shared: false };
}

function checkOutputSize(op: string, outputSize: unknown): [number, number] {
  const size = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  check(
    Array.isArray(size) && size.length === 2 && size.every((s) => Number.isInteger(s) && s > 0),
    op,
    () => `outputSize must be a positive whole number or [height, width], got ${JSON.stringify(outputSize)}`,
  );
  return [size[0], size[1]];
}

function geometry(
  op: string,
  input: Tensor,
  boxes: RoiBoxes,
  outputSize: number | readonly number[],
  options: RoiAlignOptions,
) {
  checkTensor(input, op, "input");
  check(
    input.ndim === 4,
    op,
    () =>
      `input must be a feature map (N, C, H, W), got shape ${fmtShape(input.shape)}` +
      (input.ndim === 3 ? ". Fix: for one image use input.unsqueeze(0)" : ""),
  );
  const [N, C, H, W] = input.shape;
  const { spatialScale = 1, samplingRatio = -1, aligned = false } = options;
  check(
    typeof spatialScale === "number" && Number.isFinite(spatialScale) && spatialScale > 0,
    op,
    () =>
      `spatialScale must be a positive number (feature map size / image size), got ${String(spatialScale)}`,
  );
  check(
    Number.isInteger(samplingRatio),
    op,
    () => `samplingRatio must be a whole number (<= 0: adaptive), got ${String(samplingRatio)}`,
  );
  const [OH, OW] = checkOutputSize(op, outputSize);
  const { rois, K, shared } = roisOf(op, boxes, N);
  const g: RoiGeometry = { N, C, H, W, K, OH, OW, spatialScale, samplingRatio, aligned: aligned === true };
  return { g, rois, shared };
}

/**
 * RoI Align (He et al., Mask R-CNN): each box's region of input (N, C, H, W) split into an
 * OH x OW grid of bins, each the mean of bilinear samples -> (K, C, OH, OW). Box corners are
 * multiplied by spatialScale; outputSize is a number or [OH, OW].
 */
export function roiAlign(
  input: Tensor,
  boxes: RoiBoxes,
  outputSize: number | readonly number[],
  options: RoiAlignOptions = {},
): Tensor {
  const { g, rois, shared } = geometry("roiAlign", input, boxes, outputSize, options);
  const out = emptyStorage(g.K * g.C * g.OH * g.OW); // (K, C, OH, OW)
  roiAlignForward(out, input.storage, rois, g);
  const saves = shared ? [boxes as Tensor] : [];
  return fromOp("roiAlign", out, [g.K, g.C, g.OH, g.OW], [input], saves, (dout) => {
    const dinp = gradBuffer(input.numel); // (N, C, H, W), zeros
    roiAlignBackward(dinp, dout, rois, g);
    return [dinp];
  });
}

/**
 * RoI pooling (Girshick, Fast R-CNN): each box, corners scaled by spatialScale and rounded to
 * pixels, split into an OH x OW grid of bins, each the max of its pixels (0 for an empty bin)
 * -> (K, C, OH, OW).
 */
export function roiPool(
  input: Tensor,
  boxes: RoiBoxes,
  outputSize: number | readonly number[],
  options: RoiPoolOptions = {},
): Tensor {
  const { g, rois } = geometry("roiPool", input, boxes, outputSize, options);
  const n = g.K * g.C * g.OH * g.OW;
  const out = emptyStorage(n); // (K, C, OH, OW)
  const argmax = new Int32Array(n); // (K, C, OH, OW): flat positions in input, -1 for empty bins
  roiPoolForward(out, argmax, input.storage, rois, g);
  return fromOp("roiPool", out, [g.K, g.C, g.OH, g.OW], [input], [], (dout) => {
    const dinp = gradBuffer(input.numel); // (N, C, H, W), zeros
    roiPoolBackward(dinp, dout, argmax);
    return [dinp];
  });
}
