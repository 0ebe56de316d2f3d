// The YOLO v1 loss (Redmon et al. 2016, eq. 3; seed lecture 003), and `yoloTargets`, which turns
// boxes and labels into the (N, S, S, 5 + C) target grid it compares against:
//
//   lambdaCoord * sum_ij 1obj_ij [(x - x^)^2 + (y - y^)^2]
// + lambdaCoord * sum_ij 1obj_ij [(sqrt w - sqrt w^)^2 + (sqrt h - sqrt h^)^2]
// + sum_ij 1obj_ij (C - C^)^2 + lambdaNoobj * sum_ij 1noobj_ij (C - C^)^2
// + sum_i 1obj_i sum_c (p(c) - p^(c))^2
//
// 1obj_ij: the object's centre lies in cell i and box j is "responsible" for it (of the cell's B
// predicted boxes, the one with the highest IoU with the object); 1noobj_ij: every other box. The
// confidence target C^ of the responsible box is that IoU (the paper's definition; `confidenceTarget:
// "one"` uses 1, as many implementations do), 0 for the others.
//
// Layouts. Prediction (N, S, S, B*5 + C): per cell [x, y, w, h, conf] for each box, then C class
// scores. Target (N, S, S, 5 + C): per cell [x, y, w, h, 1 if an object's centre is in it else 0,
// the one-hot class]. x, y: the centre's offset within its cell (0..1); w, h: relative to the image.
// NOTE: the network's w, h can go negative, so sqrt w is computed as sign(w) * sqrt(|w| + 1e-6).
//
// The loss is built from masks and elementwise ops (sum(weight * (f(pred) - target')^2)), so
// autograd differentiates it; the masks (which box is responsible) are constants, as in the paper.

import { noGrad } from "../autograd/grad-mode";
import { check, fmtShape } from "../errors";
import { checkTensor } from "../ops/tensor-args";
import { Tensor } from "../tensor/tensor";

export interface YoloLossOptions {
  /** B: boxes per cell in the prediction (default 2). */
  numBoxes?: number;
  /** Weight of the box coordinates (5 in the paper). */
  lambdaCoord?: number;
  /** Weight of the confidence of boxes without an object (0.5 in the paper). */
  lambdaNoobj?: number;
  /** The responsible box's confidence target: "iou" (the paper) or "one". */
  confidenceTarget?: "iou" | "one";
  /** "mean" (the sum divided by the batch size, default) or "sum" (the paper's sum). */
  reduction?: "mean" | "sum";
}

const EPS = 1e-6;

/** IoU of two (cx, cy, w, h) boxes whose centres are offsets within the same cell (in cell units / S). */
export function cellIou(a: ArrayLike<number>, b: ArrayLike<number>, S: number): number {
  const box = (v: ArrayLike<number>) => {
    const cx = v[0] / S;
    const cy = v[1] / S;
    const w = Math.abs(v[2]);
    const h = Math.abs(v[3]);
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  };
  const [ax1, ay1, ax2, ay2] = box(a);
  const [bx1, by1, bx2, by2] = box(b);
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** The YOLO v1 loss of `pred` (N, S, S, B*5 + C) against `target` (N, S, S, 5 + C); see the file comment. */
export function yoloLoss(pred: Tensor, target: Tensor, options: YoloLossOptions = {}): Tensor {
  const {
    numBoxes: B = 2,
    lambdaCoord = 5,
    lambdaNoobj = 0.5,
    confidenceTarget = "iou",
    reduction = "mean",
  } = options;
  checkTensor(pred, "yoloLoss", "pred");
  checkTensor(target, "yoloLoss", "target");
  check(
    pred.ndim === 4 && pred.shape[1] === pred.shape[2],
    "yoloLoss",
    () => `pred must be (N, S, S, B*5 + C), got shape ${fmtShape(pred.shape)}`,
  );
  const [N, S, , D] = pred.shape;
  const C = D - 5 * B;
  check(
    C >= 0,
    "yoloLoss",
    () => `pred's last dim ${D} is smaller than numBoxes * 5 = ${5 * B}; pass numBoxes`,
  );
  check(
    target.ndim === 4 &&
      target.shape[0] === N &&
      target.shape[1] === S &&
      target.shape[2] === S &&
      target.shape[3] === 5 + C,
    "yoloLoss",
    () =>
      `target must be (N, S, S, 5 + C) = ${fmtShape([N, S, S, 5 + C])} for pred ${fmtShape(pred.shape)} with numBoxes ${B}, got ${fmtShape(target.shape)}. Fix: build it with models.yoloTargets`,
  );
  check(
    confidenceTarget === "iou" || confidenceTarget === "one",
    "yoloLoss",
    () => `confidenceTarget must be "iou" or "one", got "${confidenceTarget}"`,
  );
  check(
    reduction === "mean" || reduction === "sum",
    "yoloLoss",
    () => `reduction must be "mean" or "sum", got "${reduction}"`,
  );

  // Constant masks, (N, S, S, D) each: which entries go through sqrt, what they are compared
  // with (goal), and with which weight.
  const P = pred.contiguous().storage;
  const T = target.contiguous().storage;
  const sqrtMask = new Float32Array(N * S * S * D);
  const goal = new Float32Array(N * S * S * D);
  const weight = new Float32Array(N * S * S * D);
  for (let cell = 0; cell < N * S * S; cell++) {
    const p = cell * D;
    const t = cell * (5 + C);
    for (let j = 0; j < B; j++) {
      sqrtMask[p + j * 5 + 2] = 1;
      sqrtMask[p + j * 5 + 3] = 1;
      weight[p + j * 5 + 4] = lambdaNoobj; // 1noobj: confidence towards 0
    }
    if (T[t + 4] <= 0) continue;
    const truth = T.subarray(t, t + 4);
    let best = 0;
    let bestIou = -1;
    for (let j = 0; j < B; j++) {
      const iou = cellIou(P.subarray(p + j * 5, p + j * 5 + 4), truth, S);
      if (iou > bestIou) [best, bestIou] = [j, iou];
    }
    const r = p + best * 5;
    goal.set([truth[0], truth[1], Math.sqrt(truth[2]), Math.sqrt(truth[3])], r);
    weight.fill(lambdaCoord, r, r + 4);
    goal[r + 4] = confidenceTarget === "iou" ? bestIou : 1;
    weight[r + 4] = 1;
    for (let c = 0; c < C; c++) {
      goal[p + 5 * B + c] = T[t + 5 + c];
      weight[p + 5 * B + c] = 1;
    }
  }
  const constant = (a: Float32Array) => noGrad(() => new Tensor(a, [N, S, S, D]));
  const m = constant(sqrtMask);
  const signedSqrt = pred.sign().mul(pred.abs().add(EPS).sqrt());
  const f = pred.mul(m.neg().add(1)).add(signedSqrt.mul(m));
  const loss = f.sub(constant(goal)).square().mul(constant(weight)).sum();
  return reduction === "mean" ? loss.div(N) : loss;
}

export interface YoloTargetOptions {
  /** S of the grid. */
  gridSize: number;
  numClasses: number;
  /** Box coordinates: "xyxy" (x1, y1, x2, y2; default) or "cxcywh" (centre, width, height). */
  format?: "xyxy" | "cxcywh";
  /** Divide coordinates by this (the image size in pixels) to make them relative; default 1 (already 0..1). */
  imageSize?: number;
}

/**
 * The (N, S, S, 5 + C) target grid for `yoloLoss` from each image's boxes and class labels. An
 * object belongs to the cell that holds its centre; when two centres share a cell the first wins
 * (YOLO v1 predicts one class per cell).
 */
export function yoloTargets(boxes: number[][][], labels: number[][], options: YoloTargetOptions): Tensor {
  const { gridSize: S, numClasses: C, format = "xyxy", imageSize = 1 } = options;
  check(
    Number.isInteger(S) && S > 0 && Number.isInteger(C) && C > 0,
    "yoloTargets",
    () => `gridSize and numClasses must be positive integers, got ${S} and ${C}`,
  );
  check(
    boxes.length === labels.length,
    "yoloTargets",
    () => `got boxes for ${boxes.length} images but labels for ${labels.length}`,
  );
  const D = 5 + C;
  const out = new Float32Array(boxes.length * S * S * D);
  boxes.forEach((imageBoxes, n) => {
    check(
      imageBoxes.length === labels[n].length,
      "yoloTargets",
      () => `image ${n} has ${imageBoxes.length} boxes but ${labels[n].length} labels`,
    );
    imageBoxes.forEach((b, k) => {
      check(b.length === 4, "yoloTargets", () => `image ${n}, box ${k}: expected 4 numbers, got ${b.length}`);
      let [cx, cy, w, h] =
        format === "xyxy" ? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]] : b;
      [cx, cy, w, h] = [cx / imageSize, cy / imageSize, w / imageSize, h / imageSize];
      check(
        w > 0 && h > 0,
        "yoloTargets",
        () => `image ${n}, box ${k} [${b}] has no area (${format}: x2 must exceed x1 and y2 y1)`,
      );
      check(
        cx >= 0 && cx <= 1 && cy >= 0 && cy <= 1,
        "yoloTargets",
        () =>
          `image ${n}, box ${k} [${b}] has its centre outside the image; pass imageSize to scale pixel coordinates`,
      );
      const label = labels[n][k];
      check(
        Number.isInteger(label) && label >= 0 && label < C,
        "yoloTargets",
        () => `image ${n}, box ${k}: label ${label} is not in [0, ${C - 1}]`,
      );
      const col = Math.min(S - 1, Math.floor(cx * S));
      const row = Math.min(S - 1, Math.floor(cy * S));
      const o = ((n * S + row) * S + col) * D;
      if (out[o + 4] === 1) return;
      out.set([cx * S - col, cy * S - row, w, h, 1], o);
      out[o + 5 + label] = 1;
    });
  });
  return new Tensor(out, [boxes.length, S, S, D]);
}

/** One detection: the box in image-relative (x1, y1, x2, y2), its score and class. */
export interface YoloDetection {
  box: [number, number, number, number];
  /** confidence x the class's score (YOLO v1's class-specific confidence). */
  score: number;
  classIndex: number;
  /** The grid cell (row, column) and the box predictor (0..B-1) it came from. */
  cell: [number, number];
  predictor: number;
}

/**
 * The boxes of a (N, S, S, B*5 + C) prediction whose class-specific confidence (box confidence
 * times the cell's best class score) reaches `threshold`, per image, best first. YOLO v1 then
 * removes overlapping boxes of the same class by non-maximum suppression; this does not.
 */
export function yoloDecode(
  pred: Tensor,
  { numBoxes: B = 2, threshold = 0.2 }: { numBoxes?: number; threshold?: number } = {},
): YoloDetection[][] {
  checkTensor(pred, "yoloDecode", "pred");
  check(
    pred.ndim === 4 && pred.shape[1] === pred.shape[2] && pred.shape[3] >= 5 * B,
    "yoloDecode",
    () => `pred must be (N, S, S, B*5 + C) with numBoxes ${B}, got shape ${fmtShape(pred.shape)}`,
  );
  const [N, S, , D] = pred.shape;
  const C = D - 5 * B;
  const P = pred.contiguous().storage;
  const out: YoloDetection[][] = [];
  for (let n = 0; n < N; n++) {
    const found: YoloDetection[] = [];
    for (let row = 0; row < S; row++)
      for (let col = 0; col < S; col++) {
        const p = ((n * S + row) * S + col) * D;
        let cls = 0;
        for (let c = 1; c < C; c++) if (P[p + 5 * B + c] > P[p + 5 * B + cls]) cls = c;
        const classScore = C > 0 ? P[p + 5 * B + cls] : 1;
        for (let j = 0; j < B; j++) {
          const [x, y, w, h, conf] = P.subarray(p + 5 * j, p + 5 * j + 5);
          const score = conf * classScore;
          if (!(score >= threshold)) continue;
          const cx = (col + x) / S;
          const cy = (row + y) / S;
          const [aw, ah] = [Math.abs(w), Math.abs(h)];
          found.push({
            box: [cx - aw / 2, cy - ah / 2, cx + aw / 2, cy + ah / 2],
            score,
            classIndex: cls,
            cell: [row, col],
            predictor: j,
          });
        }
      }
    out.push(found.sort((a, b) => b.score - a.score));
  }
  return out;
}
