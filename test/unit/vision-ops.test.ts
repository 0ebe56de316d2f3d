// torchvision.ops as `ops`: float64 gradient checks of the RoI kernels, what NMS promises (kept
// boxes overlap little, each removed one overlaps a better kept one), a GIoU loss that moves a box
// onto its target, and the errors for malformed boxes, empty box sets and wrong shapes.
// (Values and gradients against torchvision: test/golden/data/vision_ops.json.)

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoiGeometry } from "../../kernel/engine/backends/ref/roi";
import {
  roiAlignBackward,
  roiAlignForward,
  roiPoolBackward,
  roiPoolForward,
} from "../../kernel/engine/backends/ref/roi";
import {
  manualSeed,
  ops,
  optim,
  ReceptiveError,
  rand,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe("RoI kernels: float64 gradient checks", () => {
  const g: RoiGeometry = {
    N: 2,
    C: 2,
    H: 5,
    W: 6,
    K: 3,
    OH: 2,
    OW: 3,
    spatialScale: 0.5,
    samplingRatio: -1,
    aligned: false,
  };
  // (batch index, x1, y1, x2, y2) in image pixels (twice the map's), one partly off the map
  const rois = Float64Array.from([0, 1.3, 0.7, 9.1, 7.9, 1, 4.2, 2.5, 11.6, 9.4, 1, -3.1, 6.2, 3.3, 12.7]);
  const out = () => new Float64Array(g.K * g.C * g.OH * g.OW);

  for (const variant of [
    { samplingRatio: -1, aligned: false },
    { samplingRatio: 2, aligned: true },
  ])
    it(`roiAlign ${JSON.stringify(variant)}`, () => {
      const gv = { ...g, ...variant };
      const w = f64Random(out().length, 3);
      gradcheck(
        "roiAlign",
        [f64Random(g.N * g.C * g.H * g.W, 1)],
        ([inp]) => {
          const o = out();
          roiAlignForward(o, inp, rois, gv);
          return dot(o, w);
        },
        () => {
          const dinp = new Float64Array(g.N * g.C * g.H * g.W);
          roiAlignBackward(dinp, w, rois, gv);
          return [dinp];
        },
      );
    });

  it("roiPool", () => {
    const w = f64Random(out().length, 5);
    const argmax = new Int32Array(out().length);
    gradcheck(
      "roiPool",
      [f64Random(g.N * g.C * g.H * g.W, 2)],
      ([inp]) => {
        const o = out();
        roiPoolForward(o, argmax, inp, rois, g);
        return dot(o, w);
      },
      ([inp]) => {
        roiPoolForward(out(), argmax, inp, rois, g);
        const dinp = new Float64Array(g.N * g.C * g.H * g.W);
        roiPoolBackward(dinp, w, argmax);
        return [dinp];
      },
    );
    assert.ok(argmax.some((i) => i >= 0));
  });
});

describe("roiAlign and roiPool", () => {
  it("a box covering whole pixels of a constant map pools to that constant", () => {
    const x = tensor(
      [...Array(16)].map((_, i) => (i < 8 ? 3 : 7)),
      { shape: [1, 1, 4, 4] },
    );
    // top half is 3, bottom half 7
    const top = [[0, 0, 0, 3, 1]];
    expectClose(ops.roiPool(x, tensor(top), 2).storage, [3, 3, 3, 3], "roiPool");
    expectClose(
      ops.roiAlign(x, tensor([[0, 0.5, 0.5, 3.5, 1.5]]), 2, { aligned: true }).storage,
      [3, 3, 3, 3],
      "roiAlign",
    );
    // one box per image as a list, the same as (K, 5) rows
    const x2 = randn([2, 3, 6, 6]);
    const a = ops.roiAlign(x2, [tensor([[1, 1, 4, 4]]), tensor([[0, 2, 5, 5]])], [2, 3], {
      samplingRatio: 2,
    });
    const b = ops.roiAlign(
      x2,
      tensor([
        [0, 1, 1, 4, 4],
        [1, 0, 2, 5, 5],
      ]),
      [2, 3],
      { samplingRatio: 2 },
    );
    assert.deepEqual(a.shape, [2, 3, 2, 3]);
    assert.deepEqual([...a.storage], [...b.storage]);
  });

  it("refuses bad boxes, batch indices, shapes and sizes, naming the fix", () => {
    const x = randn([2, 3, 8, 8]);
    throwsClearly(
      () => ops.roiAlign(x, tensor([[0, 5, 1, 2, 4]]), 2),
      /^roiAlign: boxes\[0\] = \[0, 5, 1, 2, 4\] has x2 < x1 \(2 < 5\); boxes must be \(x1, y1, x2, y2\) corners with x1 <= x2 and y1 <= y2\. Fix: .*ops\.boxConvert/,
    );
    throwsClearly(
      () => ops.roiPool(x, tensor([[2, 0, 0, 1, 1]]), 2),
      /^roiPool: boxes\[0\] has batch index 2, but the input holds 2 images; the first column must be an image index in \[0, 1\]/,
    );
    throwsClearly(
      () => ops.roiAlign(x, tensor([[0, 0, 1, 1]]), 2),
      /^roiAlign: boxes must be a \(K, 5\) tensor .* got shape \[1, 4\]\. Fix: pass \[boxes\] for a batch of one image/,
    );
    throwsClearly(
      () => ops.roiAlign(x, [zeros([1, 4]), zeros([1, 4]), zeros([1, 4])], 2),
      /^roiAlign: boxes is a list of 3 tensors \(one per image\), but the input holds 2 images/,
    );
    throwsClearly(
      () => ops.roiAlign(x.get(0), tensor([[0, 0, 0, 1, 1]]), 2),
      /^roiAlign: input must be a feature map \(N, C, H, W\), got shape \[3, 8, 8\]\. Fix: for one image use input\.unsqueeze\(0\)/,
    );
    throwsClearly(
      () => ops.roiPool(x, tensor([[0, 0, 0, 1, 1]]), [2, 0]),
      /^roiPool: outputSize must be a positive whole number or \[height, width\], got \[2,0\]/,
    );
    throwsClearly(
      () => ops.roiAlign(x, tensor([[0, 0, 0, 1, 1]]), 2, { spatialScale: 0 }),
      /^roiAlign: spatialScale must be a positive number/,
    );
    throwsClearly(
      () => ops.roiAlign(x, [[0, 0, 0, 1, 1]] as unknown as Tensor, 2),
      /^roiAlign: boxes must be a Tensor, got an Array \(number\[\]\[\]\)\. Fix: wrap it with tensor\(\.\.\.\)$/,
    );
  });
});

/** IoU of two (x1, y1, x2, y2) boxes, in plain numbers. */
function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

function randomBoxes(n: number): Tensor {
  const xy = rand([n, 2]).mul(20);
  return tensor(
    [...Array(n)].map((_, i) => {
      const [x, y] = [xy.storage[2 * i], xy.storage[2 * i + 1]];
      return [x, y, x + 3 + (i % 5), y + 2 + (i % 3)];
    }),
  );
}

describe("nms and batchedNms", () => {
  it("keeps boxes that overlap little, and removes only boxes a better kept one overlaps", () => {
    manualSeed(3);
    const boxes = randomBoxes(60);
    const scores = rand([60]);
    const rows = boxes.tolist() as number[][];
    const s = [...scores.storage];
    for (const thr of [0.2, 0.5]) {
      const keep = [...ops.nms(boxes, scores, thr).storage];
      assert.ok(keep.length > 5 && keep.length < 60, `kept ${keep.length}`);
      for (let a = 1; a < keep.length; a++) assert.ok(s[keep[a - 1]] >= s[keep[a]], "highest score first");
      for (const i of keep) for (const j of keep) if (i !== j) assert.ok(iou(rows[i], rows[j]) <= thr + 1e-6);
      for (let j = 0; j < 60; j++)
        if (!keep.includes(j))
          assert.ok(
            keep.some((i) => s[i] >= s[j] && iou(rows[i], rows[j]) > thr - 1e-6),
            `box ${j} was removed without a better overlapping box`,
          );
    }
    // batchedNms never lets one category suppress another: the union of per-category NMS.
    const idxs = tensor(
      [...Array(60)].map((_, i) => i % 3),
      { dtype: "int64" },
    );
    const batched = [...ops.batchedNms(boxes, scores, idxs, 0.3).storage];
    const perClass: number[] = [];
    for (let c = 0; c < 3; c++) {
      const members = [...Array(60).keys()].filter((i) => i % 3 === c);
      const sub = ops.nms(tensor(members.map((i) => rows[i])), tensor(members.map((i) => s[i])), 0.3);
      perClass.push(...[...sub.storage].map((k) => members[k]));
    }
    assert.deepEqual(
      batched,
      perClass.sort((a, b) => s[b] - s[a]),
    );
  });

  it("an empty set of boxes (shape [0, 4]) keeps none, as in torchvision; a shape [0] tensor is refused", () => {
    const keep = ops.nms(zeros([0, 4]), zeros([0]), 0.5);
    assert.deepEqual(keep.shape, [0]);
    assert.equal(keep.dtype, "int64");
    assert.deepEqual(ops.batchedNms(zeros([0, 4]), zeros([0]), zeros([0]), 0.5).shape, [0]);
    throwsClearly(
      () => ops.nms(tensor([]), tensor([]), 0.5),
      /^nms: boxes must be \(N, 4\) boxes, one \(x1, y1, x2, y2\) row per box, got shape \[0\]\. Fix: an empty set of boxes has shape \[0, 4\]: zeros\(\[0, 4\]\)$/,
    );
  });

  it("refuses inverted boxes, mismatched scores and a missing threshold", () => {
    const boxes = tensor([
      [0, 0, 2, 2],
      [5, 1, 3, 4],
    ]);
    throwsClearly(
      () => ops.nms(boxes, tensor([0.9, 0.1]), 0.5),
      /^nms: boxes\[1\] = \[5, 1, 3, 4\] has x2 < x1 \(3 < 5\); boxes must be \(x1, y1, x2, y2\) corners/,
    );
    throwsClearly(
      () => ops.nms(tensor([[0, 3, 1, 2]]), tensor([1]), 0.5),
      /^nms: boxes\[0\] = \[0, 3, 1, 2\] has y2 < y1 \(2 < 3\)/,
    );
    throwsClearly(
      () => ops.nms(tensor([[0, 0, 1, 1]]), tensor([0.9, 0.1]), 0.5),
      /^nms: scores must hold one score per box, shape \[1\], got shape \[2\]/,
    );
    throwsClearly(
      () => (ops.nms as (...a: unknown[]) => Tensor)(tensor([[0, 0, 1, 1]]), tensor([0.9])),
      /^nms: iouThreshold must be a number .* got undefined/,
    );
    throwsClearly(
      () => ops.batchedNms(tensor([[0, 0, 1, 1]]), tensor([0.9]), tensor([0, 1]), 0.5),
      /^batchedNms: idxs must hold one category per box, shape \[1\], got shape \[2\]/,
    );
    throwsClearly(
      () => ops.nms(tensor([0, 0, 1, 1]), tensor([0.9]), 0.5),
      /^nms: boxes must be \(N, 4\) boxes.*got shape \[4\]\. Fix: for one box use boxes\.unsqueeze\(0\)/,
    );
  });
});

describe("box IoUs and conversions", () => {
  it("IoU and GIoU of boxes users can check by hand", () => {
    const a = tensor([[0, 0, 2, 2]]);
    const b = tensor([
      [1, 1, 3, 3], // overlap 1, union 7
      [0, 0, 2, 2], // identical
      [4, 0, 6, 2], // disjoint: enclosing box 12, union 8
    ]);
    expectClose(ops.boxIou(a, b).storage, [1 / 7, 1, 0], "boxIou");
    expectClose(ops.generalizedBoxIou(a, b).storage, [1 / 7 - (9 - 7) / 9, 1, 0 - (12 - 8) / 12], "GIoU");
    expectClose(ops.boxArea(b).storage, [4, 4, 4], "boxArea");
  });

  it("1 - GIoU as a loss moves a disjoint box onto its target (gradients flow when IoU is 0)", () => {
    const target = tensor([[10, 10, 14, 16]]);
    const box = tensor([[0, 0, 2, 3]], { requiresGrad: true });
    const opt = new optim.Adam([box], { lr: 0.3 });
    for (let step = 0; step < 300; step++) {
      opt.zeroGrad();
      const loss = ops.generalizedBoxIou(box, target).neg().add(1).sum();
      loss.backward();
      opt.step();
    }
    assert.ok(
      ops.boxIou(box.detach(), target).item() > 0.85,
      `IoU ${ops.boxIou(box.detach(), target).item()}`,
    );
  });

  it("boxConvert round-trips every pair of formats and refuses unknown ones", () => {
    const xyxy = tensor([
      [1, 2, 5, 8],
      [0, 0, 1, 1],
    ]);
    expectClose(ops.boxConvert(xyxy, "xyxy", "xywh").storage, [1, 2, 4, 6, 0, 0, 1, 1], "xywh");
    expectClose(ops.boxConvert(xyxy, "xyxy", "cxcywh").storage, [3, 5, 4, 6, 0.5, 0.5, 1, 1], "cxcywh");
    for (const a of ["xywh", "cxcywh"] as const)
      for (const b of ["xywh", "cxcywh"] as const)
        expectClose(
          ops.boxConvert(ops.boxConvert(ops.boxConvert(xyxy, "xyxy", a), a, b), b, "xyxy").storage,
          xyxy.storage,
          `${a} -> ${b}`,
        );
    throwsClearly(
      () => ops.boxConvert(xyxy, "xyxy", "xyhw" as "xywh"),
      /^boxConvert: outFmt must be one of "xyxy", "xywh", "cxcywh", got "xyhw"$/,
    );
    throwsClearly(
      () => ops.boxConvert(tensor([1, 2, 3]), "xyxy", "xywh"),
      /^boxConvert: boxes must have 4 values in the last dim, shape \(N, 4\), got shape \[3\]/,
    );
    throwsClearly(
      () => ops.boxIou(tensor([[0, 0, 1, 1]]), tensor([[0, 0, Number.NaN, 1]])),
      /^boxIou: boxes2\[0\] = \[0, 0, NaN, 1\] has a NaN/,
    );
  });
});

describe("sigmoidFocalLoss", () => {
  it("with gamma 0 and no alpha is binary cross-entropy; easy examples count for less as gamma grows", () => {
    const x = tensor([3, -3, 0.2]);
    const t = tensor([1, 0, 1]);
    const bce = [Math.log1p(Math.exp(-3)), Math.log1p(Math.exp(-3)), Math.log1p(Math.exp(-0.2))];
    expectClose(ops.sigmoidFocalLoss(x, t, { alpha: -1, gamma: 0 }).storage, bce, "gamma 0");
    const focal = ops.sigmoidFocalLoss(x, t, { alpha: -1, gamma: 2 }).storage;
    assert.ok(focal[0] / bce[0] < 0.01 && focal[2] / bce[2] > 0.2, `${[...focal]}`);
    expectClose(
      [ops.sigmoidFocalLoss(x, t, { reduction: "sum" }).item()],
      [ops.sigmoidFocalLoss(x, t).sum().item()],
      "sum",
    );
  });

  it("refuses mismatched shapes, bad gamma and reductions", () => {
    throwsClearly(
      () => ops.sigmoidFocalLoss(zeros([2, 3]), zeros([3, 2])),
      /^sigmoidFocalLoss: targets must have the inputs' shape \[2, 3\] \(one 0\/1 label per logit\), got \[3, 2\]/,
    );
    throwsClearly(
      () => ops.sigmoidFocalLoss(zeros([2]), zeros([2]), { gamma: -1 }),
      /gamma must be a number >= 0/,
    );
    throwsClearly(
      () => ops.sigmoidFocalLoss(zeros([2]), zeros([2]), { reduction: "avg" as "mean" }),
      /^sigmoidFocalLoss: reduction must be 'none', 'mean' or 'sum', got "avg"/,
    );
  });
});
