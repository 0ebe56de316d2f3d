// The functions the compiled AssemblyScript module exports (assembly/index.ts), with their types.
// Addresses are byte offsets into the shared memory; sizes are element counts.

export interface KernelExports {
  isRelaxed(): number;
  heapBase(): number;
  sgemmScratchBytes(rows: number, cols: number, K: number): number;
  sgemm(
    p0: number,
    p1: number,
    strideA: number,
    strideB: number,
    strideC: number,
    M: number,
    N: number,
    K: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    bRow: number,
    bCol: number,
    c: number,
    accumulate: number,
    m0: number,
    m1: number,
    n0: number,
    n1: number,
    scratch: number,
  ): void;
  /** Bytes of scratch a GEMM over an already packed B needs for M rows and depth K. */
  packedScratchBytes(M: number, K: number): number;
  addColumnSums(sums: number, x: number, M: number, N: number): void;
  /** Floats of per-thread `col` conv2dForward needs: padded input planes + packed im2col. */
  convForwardColFloats(geo: number): number;
  conv2dForward(
    n0: number,
    n1: number,
    geo: number,
    out: number,
    inp: number,
    weight: number,
    bias: number,
    col: number,
    scratch: number,
  ): void;
  conv2dBackwardInput(
    n0: number,
    n1: number,
    geo: number,
    dinp: number,
    dout: number,
    weight: number,
    col: number,
    scratch: number,
  ): void;
  conv2dBackwardWeight(
    k0: number,
    k1: number,
    N: number,
    geo: number,
    dweight: number,
    dout: number,
    inp: number,
    col: number,
    scratch: number,
  ): void;
  addChannelSums(dbias: number, dout: number, N: number, OC: number, P: number): void;
  depthwiseForward(
    q0: number,
    q1: number,
    geo: number,
    out: number,
    inp: number,
    weight: number,
    bias: number,
    padded: number,
  ): void;
  depthwisePaddedWidth(geo: number): number;
  depthwisePaddedHeight(geo: number): number;
  unaryForward(op: number, out: number, x: number, n: number, a: number, b: number): void;
  unaryBackward(op: number, dx: number, x: number, dout: number, n: number, a: number): void;
  binaryForward(op: number, out: number, a: number, b: number, n: number, bScalar: number): void;
  binaryBackward(op: number, da: number, db: number, a: number, b: number, dout: number, n: number): void;
  batchNormForward(
    out: number,
    mean: number,
    rstd: number,
    variance: number,
    inp: number,
    weight: number,
    bias: number,
    N: number,
    C: number,
    inner: number,
    eps: number,
    training: number,
  ): void;
  batchNormBackward(
    dinp: number,
    dweight: number,
    dbias: number,
    dout: number,
    inp: number,
    mean: number,
    rstd: number,
    weight: number,
    N: number,
    C: number,
    inner: number,
    training: number,
  ): void;
  maxPool2dForward(p0: number, p1: number, geo: number, out: number, indices: number, inp: number): void;
  maxPool2dBackward(
    dinp: number,
    dout: number,
    indices: number,
    planes: number,
    HW: number,
    OHW: number,
  ): void;
  depthwiseBackwardInput(
    q0: number,
    q1: number,
    geo: number,
    dinp: number,
    dout: number,
    weight: number,
    padded: number,
  ): void;
  depthwiseBackwardWeight(
    c0: number,
    c1: number,
    N: number,
    geo: number,
    dweight: number,
    dout: number,
    inp: number,
    padded: number,
  ): void;
  avgPool2dForward(p0: number, p1: number, geo: number, out: number, inp: number): void;
  avgPool2dBackward(p0: number, p1: number, geo: number, dinp: number, dout: number): void;
  adaptiveAvgPool2dForward(p0: number, p1: number, geo: number, out: number, inp: number): void;
  adaptiveAvgPool2dBackward(p0: number, p1: number, geo: number, dinp: number, dout: number): void;
  softmaxForward(out: number, inp: number, outer: number, D: number, inner: number): void;
  logSoftmaxForward(out: number, inp: number, outer: number, D: number, inner: number): void;
  softmaxBackward(dinp: number, dout: number, out: number, outer: number, D: number, inner: number): void;
  logSoftmaxBackward(dinp: number, dout: number, out: number, outer: number, D: number, inner: number): void;
  nllLossForward(
    losses: number,
    inp: number,
    target: number,
    weight: number,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ): number;
  nllLossBackward(
    dinp: number,
    dlosses: number,
    target: number,
    weight: number,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ): void;
  sgdUpdate(
    p: number,
    grad: number,
    buf: number,
    n: number,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: number,
    sign: number,
    first: number,
  ): void;
  adamUpdate(
    p: number,
    grad: number,
    m: number,
    v: number,
    vmax: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: number,
    sign: number,
    stepSize: number,
    bc2Sqrt: number,
  ): void;
  /** Bytes of conv-direct's tap/weight table (ceil(OC / 2) x C * KH * KW entries of 16 bytes). */
  convDirectTableBytes(geo: number): number;
  /** Bytes of conv-direct's per-thread scratch: four images' interleaved padded planes. */
  convDirectPlanesBytes(geo: number): number;
  convDirectTable(table: number, geo: number, weight: number): void;
  convDirectForward(
    n0: number,
    n1: number,
    q0: number,
    q1: number,
    N: number,
    geo: number,
    out: number,
    inp: number,
    table: number,
    bias: number,
    planes: number,
  ): void;
  /** Bytes of per-thread scratch winogradForward needs for `chunk` images per GEMM. */
  winogradScratchBytes(geo: number, chunk: number): number;
  winogradWeights(m0: number, m1: number, U: number, w: number, M: number, K: number, flip: number): void;
  winogradForward(
    n0: number,
    n1: number,
    chunk: number,
    geo: number,
    out: number,
    inp: number,
    U: number,
    bias: number,
    scratch: number,
  ): void;
  /** Floats of per-thread scratch winogradGradientTiles needs. */
  winogradGradientPaddedFloats(geo: number): number;
  winogradGradientTiles(
    n0: number,
    n1: number,
    c0: number,
    T: number,
    geo: number,
    V: number,
    O: number,
    inp: number,
    dout: number,
    padded: number,
  ): void;
  winogradWeightGradient(m0: number, m1: number, dweight: number, dU: number, M: number, K: number): void;
  /** As winogradScratchBytes, for F(4x4, 3x3). */
  winograd4ScratchBytes(geo: number, chunk: number): number;
  winograd4Weights(m0: number, m1: number, U: number, w: number, M: number, K: number, flip: number): void;
  /** Floats of per-thread scratch winograd4GradientTiles needs for up to `images` images. */
  winograd4GradientScratchFloats(geo: number, images: number): number;
  winograd4GradientTiles(
    n0: number,
    n1: number,
    c0: number,
    ld: number,
    geo: number,
    V: number,
    O: number,
    inp: number,
    dout: number,
    scratch: number,
  ): void;
  winograd4WeightGradient(m0: number, m1: number, dweight: number, dU: number, M: number, K: number): void;
  winograd4Forward(
    n0: number,
    n1: number,
    chunk: number,
    geo: number,
    out: number,
    inp: number,
    U: number,
    bias: number,
    scratch: number,
  ): void;
  /** Direct conv gradients for few-channel stride-1 convs (assembly/conv-direct-grad.ts). */
  conv2dBackwardWeightDirect(
    u0: number,
    u1: number,
    N: number,
    geo: number,
    dweight: number,
    dbias: number,
    dout: number,
    inp: number,
    scratch: number,
  ): void;
  conv2dBackwardInputDirect(
    n0: number,
    n1: number,
    geo: number,
    dinp: number,
    dout: number,
    wz: number,
    scratch: number,
  ): void;
  directWeightScratchBytes(geo: number, units: number): number;
  directWeightUnits(geo: number, withBias: number): number;
  directInputScratchBytes(geo: number): number;
  directInputColumns(geo: number): number;
  fillZero(ptr: number, bytes: number): void;
  copyBytes(dst: number, src: number, bytes: number): void;
  /** Up[xi] = U[xi] (M, K) packed for the Winograd forward kernels' GEMMs, xi in [x0, x1) (assembly/winograd.ts). */
  winogradPackWeights(x0: number, x1: number, Up: number, U: number, M: number, K: number): void;
  /** Floats of an (M, K) matrix packed whole for gemmPrepacked. */
  packedAFloats(M: number, K: number): number;
  /** Whole chunks [k0, k1) of the F(4x4) weight gradient: transforms, then dUs[k] = O V^T (assembly/winograd-weight.ts). */
  winogradWeightChunks(
    k0: number,
    k1: number,
    chunks: number,
    N: number,
    ld: number,
    geo: number,
    V: number,
    O: number,
    inp: number,
    dout: number,
    scratch: number,
    dUs: number,
  ): void;
  /** Floats [i0, i1) of dst = the sum of src's `chunks` rows of n floats, in order. */
  sumChunks(i0: number, i1: number, dst: number, src: number, chunks: number, n: number): void;
  batchNormForwardChannels(
    c0: number,
    c1: number,
    out: number,
    mean: number,
    rstd: number,
    variance: number,
    inp: number,
    weight: number,
    bias: number,
    N: number,
    C: number,
    inner: number,
    eps: number,
    training: number,
  ): void;
  batchNormBackwardChannels(
    c0: number,
    c1: number,
    dinp: number,
    dweight: number,
    dbias: number,
    dout: number,
    inp: number,
    mean: number,
    rstd: number,
    weight: number,
    N: number,
    C: number,
    inner: number,
    training: number,
    zeroed: number,
  ): void;
}

/** Kernels a worker thread may be asked to run, by index (the pool sends the index, not the name). */
export const THREADED_KERNELS = [
  "sgemm",
  "conv2dForward",
  "conv2dBackwardInput",
  "conv2dBackwardWeight",
  "maxPool2dForward",
  "maxPool2dBackward",
  "depthwiseForward",
  "depthwiseBackwardInput",
  "depthwiseBackwardWeight",
  "avgPool2dForward",
  "avgPool2dBackward",
  "adaptiveAvgPool2dForward",
  "adaptiveAvgPool2dBackward",
  "convDirectForward",
  "winogradWeights",
  "winogradPackWeights",
  "winogradForward",
  "winogradGradientTiles",
  "winogradWeightGradient",
  "winograd4Weights",
  "winograd4Forward",
  "winograd4GradientTiles",
  "winograd4WeightGradient",
  "conv2dBackwardWeightDirect",
  "conv2dBackwardInputDirect",
  "winogradWeightChunks",
  "sumChunks",
  "unaryForward",
  "unaryBackward",
  "binaryForward",
  "binaryBackward",
  "batchNormForwardChannels",
  "batchNormBackwardChannels",
] as const satisfies readonly (keyof KernelExports)[];
export type ThreadedKernel = (typeof THREADED_KERNELS)[number];
