// `data`: datasets, the DataLoader, transforms and MNIST-style datasets (torch.utils.data and
// torchvision.datasets / transforms in one namespace).

export { CIFAR10, CIFAR10_CLASSES, CIFAR10Dataset, type CIFAR10Options, parseCifarBatch } from "./cifar";
export { defaultCollate } from "./collate";
export { DataLoader, type DataLoaderOptions } from "./dataloader";
export { Dataset, randomSplit, Subset, TensorDataset } from "./dataset";
export { downloadFile, md5, sha256, writeFileAtomic } from "./files";
export { encodeIdxUint8, type IdxArray, parseIdx } from "./idx";
export { decodeImage, IMAGE_EXTENSIONS, ImageFolder, type ImageFolderOptions } from "./image-folder";
export { type MetricPairsOptions, Pairs, Triplets } from "./metric-pairs";
export { FashionMNIST, MNIST, MNISTDataset, type MNISTOptions, verifyDatasetFile } from "./mnist";
export { Noisy, type NoisyOptions } from "./noisy";
export { SHAPES_CLASSES, Shapes, type ShapesOptions, type ShapesSample, type ShapesTarget } from "./shapes";
export { readTar, type TarEntry, writeTar } from "./tar";
export type { RawImage, Transform } from "./transforms";
export * as transforms from "./transforms";
