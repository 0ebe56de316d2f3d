// `models`: the course's CNNs, built like torchvision's (same module names, so state-dict keys
// match torchvision's; same initialisation), each with `numClasses` and input options.
// Example: `const net = models.resnet18({ numClasses: 10, cifar: true, width: 16 })`.

export { AlexNet, type AlexNetOptions, alexnet } from "./alexnet";
export { Conv2dNormActivation, makeDivisible } from "./conv-norm-act";
export { EfficientNet, type EfficientNetOptions, efficientnetB0, MBConv } from "./efficientnet";
export {
  BasicConv2d,
  GoogLeNet,
  type GoogLeNetOptions,
  type GoogLeNetOutputs,
  googlenet,
  Inception,
  InceptionAux,
} from "./googlenet";
export { LeNet5, type LeNet5Options, lenet5 } from "./lenet";
export { DepthwiseSeparable, MobileNetV1, type MobileNetV1Options, mobilenetV1 } from "./mobilenet-v1";
export { InvertedResidual, MobileNetV2, type MobileNetV2Options, mobilenetV2 } from "./mobilenet-v2";
export { BasicBlock, Bottleneck, ResNet, type ResNetOptions, resnet18, resnet34, resnet50 } from "./resnet";
export { SqueezeExcitation, StochasticDepth, stochasticDepth } from "./squeeze-excitation";
export { TinyVGG, type TinyVGGOptions, tinyVGG } from "./tiny-vgg";
export { DoubleConv, UNet, type UNetOptions, unet } from "./unet";
export {
  VGG,
  type VGGOptions,
  vgg11,
  vgg11Bn,
  vgg13,
  vgg13Bn,
  vgg16,
  vgg16Bn,
  vgg19,
  vgg19Bn,
  vggConfigs,
} from "./vgg";
export { YoloTiny, type YoloTinyOptions, yoloTiny } from "./yolo";
export {
  cellIou,
  type YoloDetection,
  type YoloLossOptions,
  type YoloTargetOptions,
  yoloDecode,
  yoloLoss,
  yoloTargets,
} from "./yolo-loss";
