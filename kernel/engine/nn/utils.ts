// `nn.utils` (torch.nn.utils): helpers used around training steps.

export { type ClipGradNormOptions, clipGradNorm_, clipGradValue_, type NormType } from "./clip-grad";
