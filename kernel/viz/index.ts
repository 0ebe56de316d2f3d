// `viz`: pictures of what a CNN does, for notebooks. Each helper returns a figure (or, for live
// curves, a handle) that shows as ONE MIME bundle: the Receptive payload for our renderers plus
// image/png and/or text/html and text/plain fallbacks for JupyterLab, GitHub and nbconvert.
// `fit` is the training loop with a live progress bar and curves. Loading viz registers how the
// engine's objects display (formatters.ts).

import "./formatters";

export { type AugmentationsOptions, augmentations } from "./augmentations";
export { type ConfusionMatrixFigure, confusionMatrix } from "./confusion-matrix";
export { type ConvStep, type ConvStepsFigure, type ConvStepsOptions, convSteps } from "./conv-steps";
export { type CurvesOptions, curves, type SeriesInput } from "./curves";
export { type EmbeddingFigure, type EmbeddingOptions, type EmbeddingPayload, embedding } from "./embedding";
export { answerFeatureMapsRequest, registerModel } from "./feature-map-requests";
export { type FeatureMapsFigure, type FeatureMapsOptions, featureMaps } from "./feature-maps";
export {
  type FeatureVisualizationFigure,
  type FeatureVisualizationOptions,
  featureVisualization,
} from "./feature-visualization";
export { VizFigure } from "./figure";
export { type FiltersOptions, filters } from "./filters";
export { accuracy, type FitOptions, fit, type History } from "./fit";
export { type GradCamFigure, gradCam } from "./grad-cam";
export type { HeatmapFigure } from "./heatmap";
export {
  type LayerStat,
  type LayerStatsFigure,
  type LayerStatsOptions,
  layerStats,
  type ValueStats,
} from "./layer-stats";
export { type CurvePoint, type LiveCurves, type LiveCurvesOptions, liveCurves } from "./live-curves";
export { type MaxActivationsFigure, type MaxActivationsOptions, maxActivations } from "./max-activations";
export { type OcclusionFigure, type OcclusionOptions, occlusion } from "./occlusion";
export { type SaliencyFigure, type SaliencyOptions, saliency } from "./saliency";
export { type SamplesOptions, samples } from "./samples";
