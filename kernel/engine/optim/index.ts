// `optim`: optimizers and learning-rate schedulers (torch.optim), PyTorch 1.13's update rules.

export { Adam, type AdamOptions, AdamW } from "./adam";
export {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  LRScheduler,
  MultiStepLR,
  OneCycleLR,
  type OneCycleOptions,
  StepLR,
} from "./lr-scheduler";
export * as lrScheduler from "./lr-scheduler-namespace";
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from "./optimizer";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./plateau";
export { RMSprop, type RMSpropOptions } from "./rmsprop";
export { SGD, type SGDOptions } from "./sgd";
