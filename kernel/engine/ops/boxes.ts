// Bounding-box ops (torchvision.ops): boxConvert between (x1, y1, x2, y2), (x, y, w, h) and
// (cx, cy, w, h); boxArea, boxIou and generalizedBoxIou (composites, so they differentiate, as a
// GIoU loss needs); nms and batchedNms (indices, no gradient). Boxes are rows of a (N, 4) tensor.
//
// NOTE: torchvision leaves malformed boxes (x2 < x1) to give silently wrong IoUs; here every op
// that reads (x1, y1, x2, y2) boxes refuses them and points at boxConvert, the usual cause.
// boxConvert itself converts anything, as torchvision's does.

import { nmsKeep } from "../backends/ref/boxes";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import * as ew from "./elementwise";
import { select, slice, stack, unsqueeze } from "./shape";
import { checkTensor } from "./tensor-args";

/** The three box formats of torchvision's box_convert. */
export type BoxFormat = "xyxy" | "xywh" | "cxcywh";

const FORMATS: readonly BoxFormat[] = ["xyxy", "xywh", "cxcywh"];

/** A number as a message shows it: 3.25, 0.1, NaN. */
function num(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/**
 * Checks `boxes` is a (N, 4) tensor of (x1, y1, x2, y2) rows with x1 <= x2 and y1 <= y2 (and no
 * NaN); `name` is the argument as the op's docs call it.
 */
export function checkBoxes(op: string, name: string, boxes: unknown): asserts boxes is Tensor {
  checkTensor(boxes, op, name);
  const { shape } = boxes;
  check(
    boxes.ndim === 2 && shape[1] === 4,
    op,
    () =>
      `${name} must be (N, 4) boxes, one (x1, y1, x2, y2) row per box, got shape ${fmtShape(shape)}` +
      (boxes.ndim === 1 && shape[0] === 4 ? `. Fix: for one box use ${name}.unsqueeze(0)` : "") +
      (boxes.ndim === 1 && shape[0] === 0
        ? ". Fix: an empty set of boxes has shape [0, 4]: zeros([0, 4])"
        : ""),
  );
  checkBoxRows(op, name, boxes.storage, shape[0]);
}

/**
 * Checks N rows of `stride` values, (x1, y1, x2, y2) from column `first` on: x1 <= x2, y1 <= y2,
 * no NaN. The error shows the whole row, as `name[i]`.
 */
export function checkBoxRows(
  op: string,
  name: string,
  b: ArrayLike<number>,
  N: number,
  stride = 4,
  first = 0,
): void {
  for (let i = 0; i < N; i++) {
    const o = i * stride + first;
    const [x1, y1, x2, y2] = [b[o], b[o + 1], b[o + 2], b[o + 3]];
    if (x1 <= x2 && y1 <= y2) continue;
    const row = Array.from({ length: stride }, (_, k) => num(b[i * stride + k]));
    const what = [x1, y1, x2, y2].some(Number.isNaN)
      ? "a NaN"
      : x1 <= x2
        ? `y2 < y1 (${num(y2)} < ${num(y1)})`
        : `x2 < x1 (${num(x2)} < ${num(x1)})`;
    check(
      false,
      op,
      `${name}[${i}] = [${row.join(", ")}] has ${what}; boxes must be (x1, y1, x2, y2) corners with ` +
        `x1 <= x2 and y1 <= y2. Fix: if your boxes are (x, y, w, h) or (cx, cy, w, h), convert them ` +
        `first, e.g. ops.boxConvert(boxes, "cxcywh", "xyxy")`,
    );
  }
}

/** Column k of boxes (N, 4) as (N). */
const col = (boxes: Tensor, k: number): Tensor => select(boxes, 1, k);

/**
 * Converts boxes (..., 4) between formats: "xyxy" (corners), "xywh" (top-left corner, width and
 * height) and "cxcywh" (centre, width and height). Differentiable.
 */
export function boxConvert(boxes: Tensor, inFmt: BoxFormat, outFmt: BoxFormat): Tensor {
  const op = "boxConvert";
  checkTensor(boxes, op, "boxes");
  for (const [name, fmt] of [
    ["inFmt", inFmt],
    ["outFmt", outFmt],
  ] as const)
    check(
      FORMATS.includes(fmt),
      op,
      () => `${name} must be one of "xyxy", "xywh", "cxcywh", got ${JSON.stringify(fmt)}`,
    );
  check(
    boxes.ndim >= 1 && boxes.shape[boxes.ndim - 1] === 4,
    op,
    () => `boxes must have 4 values in the last dim, shape (N, 4), got shape ${fmtShape(boxes.shape)}`,
  );
  if (inFmt === outFmt) return boxes.clone();
  const d = boxes.ndim - 1;
  const [p, q, r, t] = [0, 1, 2, 3].map((k) => select(boxes, d, k));
  // To corners first (torchvision converts through xyxy too).
  let [x1, y1, x2, y2] = [p, q, r, t];
  if (inFmt === "xywh") [x2, y2] = [ew.add(p, r), ew.add(q, t)];
  else if (inFmt === "cxcywh") {
    const [halfW, halfH] = [ew.mul(r, 0.5), ew.mul(t, 0.5)];
    [x1, y1, x2, y2] = [ew.sub(p, halfW), ew.sub(q, halfH), ew.add(p, halfW), ew.add(q, halfH)];
  }
  const w = () => ew.sub(x2, x1);
  const h = () => ew.sub(y2, y1);
  if (outFmt === "xywh") return stack([x1, y1, w(), h()], d);
  if (outFmt === "cxcywh") return stack([ew.div(ew.add(x1, x2), 2), ew.div(ew.add(y1, y2), 2), w(), h()], d);
  return stack([x1, y1, x2, y2], d);
}

/** The area (x2 - x1) * (y2 - y1) of each box (N, 4) -> (N). */
export function boxArea(boxes: Tensor): Tensor {
  checkBoxes("boxArea", "boxes", boxes);
  return area(boxes);
}

const area = (boxes: Tensor): Tensor =>
  ew.mul(ew.sub(col(boxes, 2), col(boxes, 0)), ew.sub(col(boxes, 3), col(boxes, 1)));

/** Intersection and union (N, M) of every pair of boxes1 (N, 4) and boxes2 (M, 4). */
function interUnion(boxes1: Tensor, boxes2: Tensor): [Tensor, Tensor] {
  const corner = (b: Tensor, from: number) => slice(b, 1, from, from + 2); // (N, 2)
  const lt = ew.maximum(unsqueeze(corner(boxes1, 0), 1), corner(boxes2, 0)); // (N, M, 2)
  const rb = ew.minimum(unsqueeze(corner(boxes1, 2), 1), corner(boxes2, 2)); // (N, M, 2)
  const wh = ew.clamp(ew.sub(rb, lt), 0);
  const inter = ew.mul(select(wh, 2, 0), select(wh, 2, 1));
  const union = ew.sub(ew.add(unsqueeze(area(boxes1), 1), area(boxes2)), inter);
  return [inter, union];
}

/**
 * Intersection over union (Jaccard index) of every pair: boxes1 (N, 4), boxes2 (M, 4), both
 * (x1, y1, x2, y2), -> (N, M). Differentiable.
 */
export function boxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  checkBoxes("boxIou", "boxes1", boxes1);
  checkBoxes("boxIou", "boxes2", boxes2);
  const [inter, union] = interUnion(boxes1, boxes2);
  return ew.div(inter, union);
}

/**
 * Generalized IoU (Rezatofighi et al. 2019) of every pair, (N, M): IoU minus the share of the
 * smallest enclosing box that the union leaves empty; in [-1, 1]. 1 - GIoU is a box-regression
 * loss with a gradient even for boxes that do not overlap. Differentiable.
 */
export function generalizedBoxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  checkBoxes("generalizedBoxIou", "boxes1", boxes1);
  checkBoxes("generalizedBoxIou", "boxes2", boxes2);
  const [inter, union] = interUnion(boxes1, boxes2);
  const iou = ew.div(inter, union);
  const corner = (b: Tensor, from: number) => slice(b, 1, from, from + 2);
  const lt = ew.minimum(unsqueeze(corner(boxes1, 0), 1), corner(boxes2, 0)); // (N, M, 2)
  const rb = ew.maximum(unsqueeze(corner(boxes1, 2), 1), corner(boxes2, 2));
  const wh = ew.clamp(ew.sub(rb, lt), 0);
  const enclosing = ew.mul(select(wh, 2, 0), select(wh, 2, 1));
  return ew.sub(iou, ew.div(ew.sub(enclosing, union), enclosing));
}

function checkScores(op: string, scores: unknown, N: number): asserts scores is Tensor {
  checkTensor(scores, op, "scores");
  check(
    scores.ndim === 1 && scores.shape[0] === N,
    op,
    () => `scores must hold one score per box, shape [${N}], got shape ${fmtShape(scores.shape)}`,
  );
}

function checkThreshold(op: string, iouThreshold: unknown): asserts iouThreshold is number {
  check(
    typeof iouThreshold === "number" && !Number.isNaN(iouThreshold),
    op,
    () =>
      `iouThreshold must be a number (boxes overlapping a kept box by more are removed), got ${String(iouThreshold)}`,
  );
}

const indices = (keep: number[]): Tensor => new Tensor(Float32Array.from(keep), [keep.length], "int64");

/**
 * Non-maximum suppression: going down the scores, keeps a box and removes every later one whose
 * IoU with it is above iouThreshold. boxes (N, 4) in (x1, y1, x2, y2), scores (N) -> the indices
 * (int64) of the kept boxes, highest score first. An empty set of boxes, shape [0, 4], keeps none.
 */
export function nms(boxes: Tensor, scores: Tensor, iouThreshold: number): Tensor {
  checkBoxes("nms", "boxes", boxes);
  checkScores("nms", scores, boxes.shape[0]);
  checkThreshold("nms", iouThreshold);
  return indices(nmsKeep(boxes.storage, scores.storage, null, iouThreshold));
}

/**
 * NMS within each category: boxes with different idxs (N, e.g. class indices or image numbers)
 * never suppress each other. Returns the kept indices, highest score first.
 */
export function batchedNms(boxes: Tensor, scores: Tensor, idxs: Tensor, iouThreshold: number): Tensor {
  checkBoxes("batchedNms", "boxes", boxes);
  const N = boxes.shape[0];
  checkScores("batchedNms", scores, N);
  checkTensor(idxs, "batchedNms", "idxs");
  check(
    idxs.ndim === 1 && idxs.shape[0] === N,
    "batchedNms",
    () => `idxs must hold one category per box, shape [${N}], got shape ${fmtShape(idxs.shape)}`,
  );
  checkThreshold("batchedNms", iouThreshold);
  return indices(nmsKeep(boxes.storage, scores.storage, idxs.storage, iouThreshold));
}
