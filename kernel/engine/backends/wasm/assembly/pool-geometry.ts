// The pooling kernels' geometry block (backends/wasm/geometry.ts putPoolGeometry writes it): i32
// fields at these byte offsets. Adaptive pooling reads only the planes' sizes (the first four).

export const H_ = 0;
export const W_ = 4;
export const OH_ = 8;
export const OW_ = 12;
export const KH_ = 16;
export const KW_ = 20;
export const SH_ = 24; // strideH
export const SW_ = 28;
export const PT_ = 32; // padTop: padding before the first row (pooling pads both sides alike)
export const PL_ = 36; // padLeft
export const DH_ = 40; // dilationH
export const DW_ = 44;
export const INCLUDE_PAD_ = 48; // average pooling: 1 = countIncludePad
export const DIVISOR_ = 52; // average pooling: divisorOverride, 0 = none
