// `ops`: torchvision.ops, as `models` is torchvision.models: bounding boxes (boxConvert, boxArea,
// boxIou, generalizedBoxIou, nms, batchedNms), RoI pooling (roiAlign, roiPool) and the sigmoid
// focal loss. `import { ops } from "receptive"; ops.boxIou(a, b)` is `torchvision.ops.box_iou(a, b)`.

export {
  type BoxFormat,
  batchedNms,
  boxArea,
  boxConvert,
  boxIou,
  generalizedBoxIou,
  nms,
} from "./boxes";
export { type SigmoidFocalLossOptions, sigmoidFocalLoss } from "./focal-loss";
export { type RoiAlignOptions, type RoiBoxes, type RoiPoolOptions, roiAlign, roiPool } from "./roi";
