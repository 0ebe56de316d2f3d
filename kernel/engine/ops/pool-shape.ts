// Output-size arithmetic of pooling, exactly as PyTorch computes it (ATen/native/Pool.h and
// AdaptivePooling.h). The pooling ops and model summaries both use it; it is not part of F.

/** Options of one spatial dim of a sliding-window pool; stride defaults to the kernel size. */
export interface PoolSizeOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/**
 * Output length of a sliding-window pool along one dim:
 * `floor((L + 2p - d(k - 1) - 1) / s) + 1`, or `ceil(...)` + 1 with ceilMode. May be < 1 (the
 * caller reports that).
 *
 * NOTE: with ceilMode the last window must start inside the input or the left padding; a window
 * that would start in the right padding is dropped (PyTorch's `pooling_output_shape`).
 */
export function poolOutputSize(inputSize: number, kernelSize: number, options: PoolSizeOptions = {}): number {
  const { stride = kernelSize, padding = 0, dilation = 1, ceilMode = false } = options;
  const span = inputSize + 2 * padding - dilation * (kernelSize - 1) - 1;
  let out = Math.floor((span + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= inputSize + padding) out--;
  return out;
}

/** Per-dim options of a 2-D pool: numbers or [h, w] pairs. */
export interface Pool2dSizeOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  ceilMode?: boolean;
}

/** [OH, OW] of a 2-D sliding-window pool over an [H, W] input (see poolOutputSize). */
export function pool2dOutputSize(
  inputSize: readonly [number, number],
  kernelSize: number | readonly [number, number],
  options: Pool2dSizeOptions = {},
): [number, number] {
  const at = (v: number | readonly [number, number], d: number) => (typeof v === "number" ? v : v[d]);
  const dim = (d: number) =>
    poolOutputSize(inputSize[d], at(kernelSize, d), {
      stride: at(options.stride ?? kernelSize, d),
      padding: at(options.padding ?? 0, d),
      dilation: at(options.dilation ?? 1, d),
      ceilMode: options.ceilMode ?? false,
    });
  return [dim(0), dim(1)];
}

/** Default output length of max-unpooling along one dim: `(L - 1) s - 2p + k`. */
export function unpoolOutputSize(
  inputSize: number,
  kernelSize: number,
  stride = kernelSize,
  padding = 0,
): number {
  return (inputSize - 1) * stride - 2 * padding + kernelSize;
}

/**
 * The input window [start, end) that adaptive pooling reduces into output i of `outputSize`:
 * start = floor(i L / O), end = ceil((i + 1) L / O). Windows overlap when L is not a multiple of O.
 */
export function adaptiveWindow(i: number, inputSize: number, outputSize: number): [number, number] {
  return [Math.floor((i * inputSize) / outputSize), Math.ceil(((i + 1) * inputSize) / outputSize)];
}
