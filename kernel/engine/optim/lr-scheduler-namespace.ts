// `optim.lrScheduler`: the schedulers under PyTorch's module path (torch.optim.lr_scheduler).

export {
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  LRScheduler,
  MultiStepLR,
  OneCycleLR,
  StepLR,
} from "./lr-scheduler";
export { ReduceLROnPlateau } from "./plateau";
