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

/**
 * A model's layers as `summary(model, inputShape)` (kernel/engine/nn/summary.ts) computes them:
 * its `layers` and totals, plus which layers can send feature maps. A SummaryLayer is a subset of
 * that file's LayerSummary, so its rows go into the payload as they are.
 */
export interface ModelSummaryPayload {
  version: 1;
  /** The model's class name, e.g. "LeNet5". */
  model: string;
  /** Input shapes the summary ran with, batch dim first, e.g. [[1, 1, 28, 28]]. */
  inputShapes: number[][];
  /** Module calls in call order, parents before children; depth 0 is the model itself. */
  layers: SummaryLayer[];
  /** ModelSummary's totals (torchinfo's): parameter counts, mult-adds, bytes. */
  totals: {
    totalParams: number;
    trainableParams: number;
    nonTrainableParams: number;
    totalMultAdds: number;
    inputBytes: number;
    forwardBackwardBytes: number;
    paramsBytes: number;
    totalBytes: number;
  };
  /** Dotted names of the layers whose feature maps the kernel can send (4-D outputs). */
  featureMapLayers?: string[];
  /** The kernel's id of the summarised model: send it back in a FeatureMapsRequest. */
  modelId?: string;
}

export interface SummaryLayer {
  /** Dotted path in the model ("features.0"); "" for the model itself. */
  name: string;
  /** Class name, e.g. "Conv2d". */
  type: string;
  /** Call depth: 0 for the model, 1 for its children, ... */
  depth: number;
  /** No child module ran inside this call. */
  isLeaf: boolean;
  /** A later call of a module already listed; its parameters count once. */
  isRecursive?: boolean;
  /** Output shape (one per output when the module returns several). */
  outputShape: number[] | number[][];
  /** Parameters of this module and its descendants. */
  params: number;
  trainableParams: number;
  frozenParams?: number;
  /**
   * Receptive field of one output unit in input pixels, per spatial dim: `size`, `jump` (input
   * pixels between neighbouring units) and `start` (centre of the first unit's field); "global"
   * once every unit sees the whole input; null where undefined.
   */
  receptiveField: { size: number[]; jump: number[]; start: number[] } | "global" | null;
  /** Multiply-accumulates of this call (summed over the subtree for containers). */
  multAdds: number;
  /** Bytes of the output. */
  memoryBytes: number;
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
  /**
   * The filter's dilation, for the captions: `kernel` is then already spread out (zeros between
   * its taps), so the windows, products and sums need nothing else.
   */
  dilation?: number;
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
  /** The ModelSummaryPayload's modelId; without it the kernel answers for the model shown last. */
  modelId?: string;
  /**
   * When no input has gone through the model yet: run a sample image of the summary's input shape
   * (a bright square on a dark ground) through it instead. The reply's `canSample` offers it.
   */
  sample?: boolean;
}

/** Kernel -> renderer: the answer to a FeatureMapsRequest (either `grid` or `error`). */
export interface FeatureMapsReply {
  type: "featureMaps";
  layer: string;
  grid?: ImageGridPayload;
  error?: string;
  /** With an error: no input has gone through the model yet, and a `sample: true` request would work. */
  canSample?: boolean;
  /** With a grid: "sample" when it shows a sample image, not the model's last input. */
  input?: "last" | "sample";
}
