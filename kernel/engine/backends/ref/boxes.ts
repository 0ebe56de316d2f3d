// Reference non-maximum suppression (torchvision.ops nms / batched_nms): greedy, in decreasing
// score order, a kept box removes every later box whose IoU with it is above the threshold.
//
// NOTE: as torchvision's CPU kernel: a stable sort (equal scores keep their order), areas and IoU
// in float32 (`f` = Math.fround after each step reproduces it exactly), and "above" is strict,
// so a box at exactly the threshold survives.

import { type Buf, defineKernel } from "../registry";

const f = Math.fround;

/**
 * The indices of the boxes (N, 4) in (x1, y1, x2, y2) kept by NMS over scores (N), highest score
 * first. With `classes` (N), boxes of different classes never suppress each other (batched NMS).
 */
export const nmsKeep = defineKernel(
  "nms",
  (boxes: Buf, scores: Buf, classes: Buf | null, iouThreshold: number): number[] => {
    const N = scores.length;
    const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const area = new Float64Array(N); // (N)
    for (let i = 0; i < N; i++)
      area[i] = f(f(boxes[i * 4 + 2] - boxes[i * 4]) * f(boxes[i * 4 + 3] - boxes[i * 4 + 1]));
    const suppressed = new Uint8Array(N);
    const keep: number[] = [];
    for (let a = 0; a < N; a++) {
      const i = order[a];
      if (suppressed[i]) continue;
      keep.push(i);
      const [x1, y1, x2, y2] = [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
      for (let b = a + 1; b < N; b++) {
        const j = order[b];
        if (suppressed[j] || (classes !== null && classes[j] !== classes[i])) continue;
        const w = Math.max(0, f(Math.min(x2, boxes[j * 4 + 2]) - Math.max(x1, boxes[j * 4])));
        const h = Math.max(0, f(Math.min(y2, boxes[j * 4 + 3]) - Math.max(y1, boxes[j * 4 + 1])));
        const inter = f(w * h);
        const iou = f(inter / f(f(area[i] + area[j]) - inter));
        if (iou > iouThreshold) suppressed[j] = 1;
      }
    }
    return keep;
  },
);
