// Payloads of the visualisation MIME types that schema.ts does not define yet: image grids, curves,
// model summaries, convolution step-throughs and confusion matrices. Written by the kernel, drawn by
// the renderers in webviews/. Types only (no Node APIs): the renderers import this file too.
// Bump a payload's `version` when its shape changes.

import type { TensorPayload } from "./schema";

export type { TensorPayload };

/** `application/vnd.receptive.<kind>+json` */
export const VIZ_MIME = {
  tensor: "application/vnd.receptive.tensor+json",
  imageGrid: "application/vnd.receptive.image-grid+json",
  curves: "application/vnd.receptive.curves+json",
  modelSummary: "application/vnd.receptive.model-summary+json",
  convSteps: "application/vnd.receptive.conv-steps+json",
  confusionMatrix: "application/vnd.receptive.confusion-matrix+json",
} as const;

/**
 * Numbers for large arrays: base64 of little-endian float32 (or uint8, e.g. 0..255 pixels) bytes,
 * about a quarter the size of a JSON number list. Small arrays may be a plain number list, where
 * null stands for NaN / ±Infinity (JSON has no such numbers).
 */
export type NumericData = (number | null)[] | { dtype: "float32" | "uint8"; base64: string };

/**
 * Tiles of pictures: feature maps (one tile per channel), filters (one tile per output/input channel
 * pair), samples (one tile per image, with labels) or any tensor's last two dims.
 */
export interface ImageGridPayload {
  version: 1;
  kind: "featureMaps" | "filters" | "samples" | "tensor";
  title?: string;
  /** (N, C, H, W): N tiles of C = 1 (a scalar map, coloured by the colormap) or 3 (RGB) channels. */
  shape: [number, number, number, number];
  /** N * C * H * W row-major values. */
  data: NumericData;
  /** One colour range per tile ("perChannel", the default for feature maps) or one for all tiles. */
  normalize?: "perChannel" | "shared";
  /** "auto": diverging for signed values, grey for samples, viridis otherwise. */
  colormap?: "auto" | "diverging" | "grey" | "viridis";
  /** A caption per tile (default "ch 0", "ch 1", ... or "#0", "#1", ... for samples). */
  tileLabels?: string[];
  /** Samples only: true classes and (optionally) the model's predictions, as class indices. */
  labels?: number[];
  predictions?: number[];
  classNames?: string[];
  /** The layer these maps or filters belong to, e.g. "features.3". */
  layer?: string;
}

/** Training curves: one series per (metric, split); train and validation of a metric share a plot. */
export interface CurvesPayload {
  version: 1;
  title?: string;
  /** What x counts: "epoch", "step", "batch", ... */
  xLabel: string;
  series: CurveSeries[];
  /** Initial y-axis scale of the non-accuracy plots; the user can toggle it. */
  logY?: boolean;
}

export interface CurveSeries {
  /** "loss", "accuracy", "lr", ... Metrics named accuracy (or acc) are drawn on [0, 1]. */
  metric: string;
  /** "train", "validation", "test", ... */
  split: string;
  x: number[];
  y: (number | null)[];
}

/** A model's layers as `nn.summary` computes them, for the summary table. */
export interface ModelSummaryPayload {
  version: 1;
  /** The model's class name, e.g. "LeNet5". */
  model: string;
  /** (N, C, H, W) of the input the summary was computed with. */
  inputShape: number[];
  /** Depth-first, parents before children. */
  layers: SummaryLayer[];
  totals: {
    params: number;
    trainableParams: number;
    multAdds: number;
    /** Bytes of all layers' outputs for one forward pass. */
    activationBytes: number;
    /** Bytes of all parameters. */
    paramBytes: number;
  };
}

export interface SummaryLayer {
  /** Dotted path from the root, e.g. "features.0"; the root itself is "". */
  name: string;
  /** Class name, e.g. "Conv2d". */
  type: string;
  /** 0 for the root's children, 1 for theirs, ... */
  depth: number;
  /** PyTorch-style arguments, e.g. "1, 6, kernelSize=5, padding=2". */
  args?: string;
  /** Output shape, null when the layer did not run. */
  outputShape: number[] | null;
  /** Parameters of this layer and its children. */
  params: number;
  trainableParams: number;
  /**
   * Receptive field of one output unit in input pixels: `size`, `jump` (input pixels between
   * neighbouring outputs) and `start` (centre of the first output's field, in input coordinates).
   * See https://distill.pub/2019/computing-receptive-fields/. Null for layers after flattening.
   */
  receptiveField: { size: number; jump: number; start: number } | null;
  multAdds: number;
  /** Bytes of this layer's output. */
  outputBytes: number;
  /** True when the kernel can send this layer's feature maps for the last input. */
  hasFeatureMaps?: boolean;
}

/** One 2-D convolution worked step by step, the way the lecture slides do it. */
export interface ConvStepsPayload {
  version: 1;
  title?: string;
  /** (H, W) input, e.g. the 6x6 image of 10s and 0s. */
  input: number[][];
  /** (KH, KW) filter. */
  kernel: number[][];
  bias?: number;
  stride?: number;
  /** Zero padding on every side. */
  padding?: number;
}

/** Counts of (true class, predicted class) pairs. */
export interface ConfusionMatrixPayload {
  version: 1;
  title?: string;
  classNames: string[];
  /** matrix[t][p] = how many samples of true class t were predicted as class p. */
  matrix: number[][];
}

/** Renderer -> kernel: "send the feature maps of this layer for the last input". */
export interface FeatureMapsRequest {
  type: "featureMaps";
  layer: string;
}

/** Kernel -> renderer: the answer to a FeatureMapsRequest (either `grid` or `error`). */
export interface FeatureMapsReply {
  type: "featureMaps";
  layer: string;
  grid?: ImageGridPayload;
  error?: string;
}
