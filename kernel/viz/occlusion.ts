// `viz.occlusion(model, input)` (Zeiler & Fergus 2014): slide a grey patch over the image and
// record how much the class score drops; a pixel's value is the mean drop of the patches that
// cover it. Regions the decision rests on light up. Runs in eval mode without gradients, one
// batch of occluded copies per image.

import { noGrad } from "../engine/autograd/grad-mode";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import {
  checkModelInput,
  classIndices,
  HeatmapFigure,
  heatmapPayload,
  inEvalMode,
  logitsOf,
} from "./heatmap";

export interface OcclusionOptions {
  /** The class to explain: one for all images or one per image (default: each image's top class). */
  classIndex?: number | number[];
  /** The patch's side in pixels (default: a quarter of the smaller image side, at least 1). */
  patchSize?: number;
  /** Pixels between patch positions (default: half the patch). */
  stride?: number;
  /** The value the patch is filled with (default 0). */
  baseline?: number;
  title?: string;
}

export class OcclusionFigure extends HeatmapFigure {
  /** The class score of each unoccluded image. */
  score!: number[];
}

export function occlusion(model: Module, input: Tensor, options: OcclusionOptions = {}): OcclusionFigure {
  const fn = "viz.occlusion";
  checkModelInput(fn, model, input);
  const [N, C, H, W] = input.shape;
  const { patchSize = Math.max(1, Math.floor(Math.min(H, W) / 4)), baseline = 0, title } = options;
  const stride = options.stride ?? Math.max(1, Math.floor(patchSize / 2));
  for (const [k, v] of [
    ["patchSize", patchSize],
    ["stride", stride],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${k} must be a whole number >= 1, got ${v}`);
  if (patchSize > Math.min(H, W))
    throw new Error(`${fn}: patchSize ${patchSize} is larger than the ${H}x${W} image`);
  return inEvalMode(model, () =>
    noGrad(() => {
      const logits = logitsOf(fn, model.forward(input));
      const cls = classIndices(fn, logits, options.classIndex);
      const K = logits.shape[1];
      const score = cls.map((c, n) => logits.data[n * K + c]);
      const x = input.contiguous().storage;
      const ys: number[] = [];
      for (let y = 0; y + patchSize <= H; y += stride) ys.push(y);
      if (ys[ys.length - 1] + patchSize < H) ys.push(H - patchSize); // cover the last rows too
      const xs: number[] = [];
      for (let x0 = 0; x0 + patchSize <= W; x0 += stride) xs.push(x0);
      if (xs[xs.length - 1] + patchSize < W) xs.push(W - patchSize);
      const P = ys.length * xs.length;
      const sum = new Float32Array(N * H * W);
      const count = new Float32Array(N * H * W);
      for (let n = 0; n < N; n++) {
        const img = x.subarray(n * C * H * W, (n + 1) * C * H * W);
        const batch = new Float32Array(P * C * H * W); // (P, C, H, W): one occluded copy per position
        let p = 0;
        for (const y0 of ys)
          for (const x0 of xs) {
            const o = p++ * C * H * W;
            batch.set(img, o);
            for (let c = 0; c < C; c++)
              for (let y = y0; y < y0 + patchSize; y++)
                batch.fill(baseline, o + (c * H + y) * W + x0, o + (c * H + y) * W + x0 + patchSize);
          }
        const out = logitsOf(fn, model.forward(new Tensor(batch, [P, C, H, W]))).data;
        p = 0;
        for (const y0 of ys)
          for (const x0 of xs) {
            const drop = score[n] - out[p++ * K + cls[n]];
            for (let y = y0; y < y0 + patchSize; y++)
              for (let xx = x0; xx < x0 + patchSize; xx++) {
                sum[(n * H + y) * W + xx] += drop;
                count[(n * H + y) * W + xx] += 1;
              }
          }
      }
      const map = Float32Array.from(sum, (s, i) => s / count[i]);
      const mapT = new Tensor(map, [N, H, W]);
      const fig = new OcclusionFigure(
        heatmapPayload(
          title ?? `occlusion (${patchSize}x${patchSize} patch, stride ${stride}): score drop`,
          input,
          mapT,
          "occlusion",
          cls,
        ),
        mapT,
        cls,
      );
      fig.score = score;
      return fig;
    }),
  );
}
