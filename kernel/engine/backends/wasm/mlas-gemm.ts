// Large SGEMMs through ONNX Runtime's MLAS, when onnxruntime-node is installed. MLAS runs the CPU's
// widest vectors (AVX-512 or AVX2 FMA): on AMD EPYC Zen 5, 1024^3 ran at 110-180 GFLOP/s on one
// core against our 128-bit wasm GEMM's 45-51. The operands are copied out of the shared wasm memory
// into ordinary buffers (ONNX Runtime's binding refuses SharedArrayBuffer views; the copies run at
// memcpy speed), multiplied by a one-node session (com.microsoft FusedMatMul: transposes are
// attributes, batches broadcast) and the product copied back. Sessions run synchronously through
// onnxruntime-node's native binding: its public run() is async and kernels are not. A large GEMM
// at more than one thread runs as one part per thread, each in its thread's own session (worker
// threads load ONNX Runtime themselves), side by side.
// RECEPTIVE_MLAS=0 turns this off; without onnxruntime-node every GEMM stays in wasm.

import { ReceptiveError } from "../../errors";
import { ort } from "../../onnx/ort";
import { freeNow } from "./gc-hooks";
import type { WasmRuntime } from "./runtime";
import type { GemmSpec } from "./sgemm";
import { ranges } from "./threads/parallel";
import { MLAS_SHARE } from "./threads/protocol";

/**
 * A GEMM goes to MLAS when its multiply-adds are at least INPUT_COST per float copied in plus
 * OUTPUT_COST per float of the product. MLAS saves ~0.03 ns per multiply-add over wasm on one
 * thread (60 against 22 G multiply-adds/s). An input float costs one copy (~0.2 ns). An output
 * float costs three passes: ONNX Runtime writes it, the binding copies it into a new ArrayBuffer
 * (freed at once, runFreeingCopies) and we copy it back. Median ms, wasm / MLAS, 1 thread then 2:
 * 256 x 784 x 64 (64 multiply-adds per output float) 0.57 / 0.22 and 0.30 / 0.21; 64 x 4096 x 64
 * 0.81 / 0.34 and 0.43 / 0.34; 192 x 8192 x 32 (MobileNetV2's batched 1x1 convs, 32 per output
 * float) 2.32 / 1.48 and 1.17 / 1.34, so that one stays in wasm.
 */
export const INPUT_COST = 8;
export const OUTPUT_COST = 32;

/**
 * And at least this many multiply-adds. Smaller GEMMs win alone (84 x 64 x 120: 0.035 / 0.018 ms)
 * but LeNet-5's linear layers (0.6M-3M) on MLAS left its step as it was at 1 thread and slower at
 * 2 (median 3.7-4.0 ms against 4.0-4.3), and a model whose GEMMs stay below it never loads ONNX
 * Runtime (~60 ms in its first step).
 */
export const MLAS_MIN_MACS = 1 << 22;

/**
 * At most this many floats per operand: the buffers operands are copied through are kept for the
 * next call (fresh memory costs page faults: ~3 ms per MiB on this project's VM), so a VGG-16
 * classifier (25088 x 4096 weights, 411 MB) would keep a second copy of its weights alive.
 */
export const MLAS_MAX_FLOATS = 1 << 24;

/**
 * Threads of each MLAS session. One: at 2, ONNX Runtime's pool (woken per run, as it must not spin
 * against our workers) made 1x1 convs slower than one MLAS thread (conv 1x1 256->64 28x28: 66 and
 * 112 GFLOP/s). Large GEMMs use every thread instead as one part per thread, each on its thread's
 * own session (mlasGemm): two halves side by side ran as fast as either alone.
 */
const MLAS_THREADS = 1;

/** Whether GEMMs go to MLAS, and why (or why not). */
export interface MlasInfo {
  used: boolean;
  why: string;
}

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): Promise<void>;
  readonly inputMetadata: unknown[];
  run(feeds: object, fetches: object, options: object): object;
}

interface Native {
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => { data: unknown };
  newSession: () => NativeSession;
}

let native: Native | Error | undefined;

/** onnxruntime-node's Tensor and native session, or why they cannot be had. */
function loadNative(): Native | Error {
  // NOTE: read on every call, so a test can compare both paths in one process.
  if (process.env.RECEPTIVE_MLAS === "0") return new Error("turned off by RECEPTIVE_MLAS=0");
  if (native !== undefined) return native;
  try {
    const { Tensor } = ort("matmul"); // loaded once, quiet, by the onnx module (throws where it is missing)
    const { binding, initOrt } = require("onnxruntime-node/dist/binding") as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt: () => void;
    };
    initOrt();
    native = {
      Tensor: Tensor as unknown as Native["Tensor"],
      newSession: () => new binding.InferenceSession(),
    };
  } catch (e) {
    native = new Error((e as Error).message.split("\n")[0]);
  }
  return native;
}

/** One multiply's layout: which operands are transposed, broadcast, accumulated into. */
interface Layout {
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

const empty = new Float32Array(0);
/** Ordinary (unshared) buffers the operands are copied through, grown on demand, kept between calls. */
const buffers: Record<"a" | "b" | "c" | "y", Float32Array> = { a: empty, b: empty, c: empty, y: empty };

const sessions = new Map<string, NativeSession | Error>();

/**
 * C[p] (+)= op(A[p]) @ op(B[p]) through MLAS; false (nothing done) when MLAS does not take it (see
 * mlasTakes): then wasm's GEMM runs it. At more than one thread a large GEMM is cut into one part
 * per thread (mlasShares), and each thread runs its part on MLAS in its own session: worker threads
 * load ONNX Runtime too (threads/worker.ts), and until one has, it leaves the parts to this thread.
 */
export function mlasGemm(rt: WasmRuntime, g: GemmSpec): boolean {
  if (readyFor(g) === null) return false;
  const macs = g.batch * g.M * g.N * g.K;
  const shares = mlasShares(g, macs >= MLAS_SPLIT_MIN_MACS ? rt.workers.threads : 1);
  const f32 = () => rt.arena.f32();
  if (shares.length === 1) rt.workers.whileAsleep(() => runMlasShare(f32, gemmArgs(g, shares[0])));
  else
    rt.workers.run(
      MLAS_SHARE,
      shares.map((share) => gemmArgs(g, share)),
      (args) => runMlasShare(f32, args),
    );
  mlasCalls++;
  return true;
}

/**
 * Independent GEMMs (runSgemms) side by side, one whole GEMM per thread on its own MLAS session;
 * false (nothing done) unless there are threads for them, MLAS takes every one and none has more
 * than SIDE_BY_SIDE_RATIO times another's multiply-adds (then one part per thread, in turn, wins).
 * A conv's or linear layer's input and weight gradients: two GEMMs of the same size, which split
 * into parts each copied and packed an operand twice.
 */
export function mlasSideBySide(rt: WasmRuntime, specs: readonly GemmSpec[]): boolean {
  if (specs.length < 2 || rt.workers.threads < 2) return false;
  const macs = specs.map((g) => g.batch * g.M * g.N * g.K);
  if (Math.max(...macs) > SIDE_BY_SIDE_RATIO * Math.min(...macs)) return false;
  if (!specs.every((g) => readyFor(g) !== null)) return false;
  const f32 = () => rt.arena.f32();
  rt.workers.run(
    MLAS_SHARE,
    specs.map((g) => gemmArgs(g, mlasShares(g, 1)[0])),
    (args) => runMlasShare(f32, args),
  );
  mlasCalls += specs.length;
  return true;
}

/** See mlasSideBySide. */
const SIDE_BY_SIDE_RATIO = 2;

/**
 * Below this many multiply-adds (~0.5 ms on MLAS) a GEMM stays whole on the calling thread: every
 * part copies and packs all of one operand, and hands off to a worker. Median us of a matmul at 2
 * threads, whole / one part per thread (AMD EPYC Zen 5): 64x256 @ 256x784 (13M) 253-812 / 252-471;
 * 384x64 @ 64x512 (13M) 267-279 / 359-509; 1280x320 @ 320x128 (52M) 720-733 / 445-486; 256x256 @
 * 256x784 (51M) 694 / 563-602; 512^3 (134M) 1649-1671 / 943; 512x4608 @ 4608x128 (302M) 4115 / 2058-2125.
 */
export const MLAS_SPLIT_MIN_MACS = 1 << 25;

/** One thread's part of a GEMM: batches [p0, p1), rows [m0, m1) and columns [n0, n1) of C. */
export type GemmShare = [p0: number, p1: number, m0: number, m1: number, n0: number, n1: number];

/**
 * `threads` parts of nearly equal work: by batch when there are enough matrices, else by rows of C
 * (each part copies all of op(B), side by side), else by columns. Every element of C is the same
 * sum whichever part computes it, so the split never changes the numbers.
 */
export function mlasShares(g: GemmSpec, threads: number): GemmShare[] {
  if (threads <= 1) return [[0, g.batch, 0, g.M, 0, g.N]];
  if (g.batch >= threads) return ranges(g.batch, 1, threads).map(([p0, p1]) => [p0, p1, 0, g.M, 0, g.N]);
  if (g.M >= g.N) return ranges(g.M, 1, threads).map(([m0, m1]) => [0, g.batch, m0, m1, 0, g.N]);
  return ranges(g.N, 1, threads).map(([n0, n1]) => [0, g.batch, 0, g.M, n0, n1]);
}

/** A GEMM's numeric fields, in the order a share's argument list carries them (then accumulate, then the share). */
const GEMM_FIELDS = [
  ...["batch", "M", "N", "K", "a", "strideA", "aRow", "aCol"],
  ...["b", "strideB", "bRow", "bCol", "c", "strideC"],
] as const satisfies readonly Exclude<keyof GemmSpec, "accumulate">[];

/** A share as a worker's argument list (protocol.ts: numbers only): the GEMM, then its ranges. */
function gemmArgs(g: GemmSpec, share: GemmShare): number[] {
  return [...GEMM_FIELDS.map((k) => g[k]), +g.accumulate, ...share];
}

/**
 * Runs one share (gemmArgs) on MLAS over the wasm memory `f32()` views: on the calling thread, and
 * on worker threads once they have MLAS (mlasReady).
 */
export function runMlasShare(f32: () => Float32Array, args: number[]): void {
  const n = GEMM_FIELDS.length;
  const g = { accumulate: args[n] === 1 } as GemmSpec;
  GEMM_FIELDS.forEach((k, i) => {
    g[k] = args[i];
  });
  const ready = readyFor(g);
  if (ready === null)
    throw new ReceptiveError("matmul", "ONNX Runtime's GEMM is not available on this thread");
  run(f32, ready.lib, ready.session, g, ready.layout, args.slice(n + 1, n + 7) as GemmShare);
}

/**
 * Whether this thread can run MLAS shares: loads ONNX Runtime on first call (~60 ms); a worker
 * thread asks before it claims any.
 */
export function mlasReady(): boolean {
  return !(loadNative() instanceof Error);
}

/**
 * Whether mlasGemm would run this GEMM: MLAS is available (onnxruntime-node loads, its session
 * works), the GEMM pays (mlasPays) and its operands are laid out as FusedMatMul inputs can be.
 */
export function mlasTakes(g: GemmSpec): boolean {
  return readyFor(g) !== null;
}

function readyFor(g: GemmSpec): { lib: Native; session: NativeSession; layout: Layout } | null {
  const layout = layoutOf(g);
  if (layout === null || !mlasPays(g)) return null;
  const lib = loadNative();
  if (lib instanceof Error) return null;
  const session = sessionFor(lib, layout, MLAS_THREADS);
  return session instanceof Error ? null : { lib, session, layout };
}

/**
 * Whether large GEMMs go to MLAS. Loads nothing: before the first large GEMM it says so, after it
 * says whether ONNX Runtime took it, or why not.
 */
export function mlasInfo(): MlasInfo {
  const off = process.env.RECEPTIVE_MLAS === "0";
  if (off) return { used: false, why: "turned off by RECEPTIVE_MLAS=0" };
  const failed = native instanceof Error ? native : [...sessions.values()].find((s) => s instanceof Error);
  if (failed !== undefined) return { used: false, why: failed.message };
  const threshold = `GEMMs of ${MLAS_MIN_MACS}+ multiply-adds, ${INPUT_COST}+ per input float and ${OUTPUT_COST}+ per output float, run on ONNX Runtime's MLAS (from ${MLAS_SPLIT_MIN_MACS} multiply-adds, one part per thread)`;
  return {
    used: mlasCalls > 0,
    why: `${threshold}${mlasCalls > 0 ? ` (${mlasCalls} so far)` : " (none yet)"}; RECEPTIVE_MLAS=0 keeps them in wasm`,
  };
}

/** GEMMs MLAS has run (tests check that a large one really went there). */
export let mlasCalls = 0;

/** The session for this layout and thread count, made on first use. */
function sessionFor(lib: Native, layout: Layout, threads: number): NativeSession | Error {
  const key = `${+layout.transA}${+layout.transB}${+layout.accumulate}:${threads}`;
  let s = sessions.get(key);
  if (s === undefined) {
    s = prepare(lib, layout, threads);
    sessions.set(key, s);
  }
  return s;
}

/** Whether the multiply saves more than the copies cost (INPUT_COST, OUTPUT_COST), within MLAS_MAX_FLOATS. */
export function mlasPays(g: GemmSpec): boolean {
  const { batch, M, N, K } = g;
  const macs = batch * M * N * K;
  const a = (g.strideA === 0 ? 1 : batch) * M * K;
  const b = (g.strideB === 0 ? 1 : batch) * K * N;
  const c = batch * M * N;
  const cost = INPUT_COST * (a + b + (g.accumulate ? c : 0)) + OUTPUT_COST * c;
  return macs >= MLAS_MIN_MACS && macs >= cost && Math.max(a, b, c) <= MLAS_MAX_FLOATS;
}

/** FusedMatMul's view of the operands, or null when they are strided in a way it cannot take. */
function layoutOf(g: GemmSpec): Layout | null {
  const { batch, M, N, K } = g;
  const transA = !(g.aCol === 1 && g.aRow === K);
  if (transA && !(g.aRow === 1 && g.aCol === M)) return null;
  const transB = !(g.bCol === 1 && g.bRow === N);
  if (transB && !(g.bRow === 1 && g.bCol === K)) return null;
  if (batch > 1) {
    if (g.strideA !== 0 && g.strideA !== M * K) return null;
    if (g.strideB !== 0 && g.strideB !== K * N) return null;
    if (g.strideA === 0 && g.strideB === 0) return null;
    if (g.strideC !== M * N) return null;
  }
  return { transA, transB, accumulate: g.accumulate };
}

function prepare(lib: Native, layout: Layout, threads: number): NativeSession | Error {
  try {
    const bytes = gemmModel(layout);
    const session = lib.newSession();
    const options = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "basic",
      // NOTE: ONNX Runtime's threads otherwise spin after each run, taking the cores from ours.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    };
    // NOTE: a model given as bytes loads synchronously (the promise is already settled); the check
    // below keeps a future asynchronous load from being used half-made.
    void session
      .loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, options)
      .catch(() => {});
    if (session.inputMetadata.length !== (layout.accumulate ? 3 : 2))
      return new Error("onnxruntime-node did not load a session synchronously (a newer binding?)");
    return session;
  } catch (e) {
    return new Error(`ONNX Runtime could not make its GEMM session (${(e as Error).message.split("\n")[0]})`);
  }
}

/** A buffer of at least n floats: `have` when it is big enough, else a new one (at most MLAS_MAX_FLOATS unless n is more). */
function atLeast(have: Float32Array, n: number): Float32Array {
  return have.length >= n ? have : new Float32Array(Math.max(n, Math.min(2 * have.length, MLAS_MAX_FLOATS)));
}

function run(
  f32: () => Float32Array,
  lib: Native,
  s: NativeSession,
  g: GemmSpec,
  layout: Layout,
  [p0, p1, m0, m1, n0, n1]: GemmShare,
): void {
  const { M, N, K } = g;
  const batch = p1 - p0;
  const rows = m1 - m0;
  const cols = n1 - n0;
  const batchA = g.strideA === 0 ? 1 : batch;
  const batchB = g.strideB === 0 ? 1 : batch;
  const lenA = batchA * rows * K;
  const lenB = batchB * K * cols;
  const lenC = batch * rows * cols;
  buffers.a = atLeast(buffers.a, lenA);
  buffers.b = atLeast(buffers.b, lenB);
  buffers.y = atLeast(buffers.y, lenC);
  const a = buffers.a.subarray(0, lenA); // (batchA, rows, K), or (batchA, K, rows) transposed
  const b = buffers.b.subarray(0, lenB); // (batchB, K, cols), or (batchB, cols, K) transposed
  const y = buffers.y.subarray(0, lenC); // (batch, rows, cols)
  const mem = f32();
  const atA = g.a / 4 + p0 * g.strideA;
  const atB = g.b / 4 + p0 * g.strideB;
  const atC = g.c / 4 + p0 * g.strideC;
  // A is stored (M, K), or (K, M) transposed; B (K, N), or (N, K) transposed; C (M, N).
  if (layout.transA) copyBlock(mem, atA, g.strideA, batchA, M, [0, K, m0, m1], a);
  else copyBlock(mem, atA, g.strideA, batchA, K, [m0, m1, 0, K], a);
  if (layout.transB) copyBlock(mem, atB, g.strideB, batchB, K, [n0, n1, 0, K], b);
  else copyBlock(mem, atB, g.strideB, batchB, N, [0, K, n0, n1], b);
  const dims = (n: number, r: number, c: number) => (n === 1 && batch === 1 ? [r, c] : [n, r, c]);
  const feeds: Record<string, object> = {
    A: new lib.Tensor("float32", a, dims(batchA, layout.transA ? K : rows, layout.transA ? rows : K)),
    B: new lib.Tensor("float32", b, dims(batchB, layout.transB ? cols : K, layout.transB ? K : cols)),
  };
  if (layout.accumulate) {
    buffers.c = atLeast(buffers.c, lenC);
    const c = buffers.c.subarray(0, lenC);
    copyBlock(mem, atC, g.strideC, batch, N, [m0, m1, n0, n1], c);
    feeds.C = new lib.Tensor("float32", c, dims(batch, rows, cols));
  }
  const fetches = { Y: new lib.Tensor("float32", y, dims(batch, rows, cols)) };
  try {
    runFreeingCopies(s, feeds, fetches);
  } catch (e) {
    throw new ReceptiveError(
      "matmul",
      `ONNX Runtime's GEMM failed on (${batch} x ${rows} x ${K}) @ (${K} x ${cols}): ${(e as Error).message}. ` +
        "Set RECEPTIVE_MLAS=0 to keep GEMMs in wasm, and report this.",
    );
  }
  copyBlock(y, 0, rows * cols, batch, cols, [0, rows, 0, cols], f32(), atC, g.strideC, N, m0, n0);
}

/**
 * Copies rows [r0, r1) x columns [c0, c1) of `n` row-major matrices of `width` columns, `stride`
 * floats apart from float `at` of `src`, into `dst` packed; or, given `to` and the rest, into the
 * same block of matrices in `dst` (at `to`, `toStride` apart, `toWidth` columns, block corner
 * (`toRow`, `toCol`)). Whole rows go in one copy.
 */
function copyBlock(
  src: Float32Array,
  at: number,
  stride: number,
  n: number,
  width: number,
  [r0, r1, c0, c1]: [number, number, number, number],
  dst: Float32Array,
  to = 0,
  toStride = (r1 - r0) * (c1 - c0),
  toWidth = c1 - c0,
  toRow = 0,
  toCol = 0,
): void {
  const w = c1 - c0;
  for (let p = 0; p < n; p++) {
    const from = at + p * stride;
    const into = to + p * toStride + toRow * toWidth + toCol;
    if (w === width && w === toWidth) dst.set(src.subarray(from + r0 * width, from + r1 * width), into);
    else
      for (let r = r0; r < r1; r++)
        dst.set(src.subarray(from + r * width + c0, from + r * width + c1), into + (r - r0) * toWidth);
  }
}

/**
 * Runs the session: ONNX Runtime writes each output into its tensor in `fetches`, and the binding
 * returns a copy of each in a new ArrayBuffer, freed here at once. Left to the GC, every call's copy
 * took fresh memory (glibc hands freed blocks back to the OS), page-faulted anew: conv 1x1 256->64
 * on 28x28 took 17 faults a call instead of 7, 0.28 ms instead of 0.22 (median, 1 thread).
 */
export function runFreeingCopies(
  s: Pick<NativeSession, "run">,
  feeds: object,
  fetches: Record<string, { data: unknown }>,
): void {
  const result = s.run(feeds, fetches, {}) as Record<string, { data?: unknown } | undefined>;
  for (const [name, value] of Object.entries(result)) {
    const copy = (value?.data as ArrayBufferView | undefined)?.buffer;
    const own = (fetches[name]?.data as ArrayBufferView | undefined)?.buffer;
    if (copy instanceof ArrayBuffer && copy !== own) freeNow(copy);
  }
}

/** The ONNX bytes of Y = FusedMatMul(A, B) (+ C): inputs without fixed shapes, so one model serves every size. */
function gemmModel(layout: Layout): Uint8Array {
  const { BinaryWriter, WireType } =
    require("@bufbuild/protobuf/wire") as typeof import("@bufbuild/protobuf/wire");
  const { LengthDelimited: LEN, Varint: INT } = WireType;
  const w = new BinaryWriter();
  // Field numbers from onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto.
  const node = (op: string, domain: string, inputs: string[], output: string, attrs: [string, number][]) => {
    w.tag(1, LEN).fork(); // GraphProto.node
    for (const i of inputs) w.tag(1, LEN).string(i);
    w.tag(2, LEN).string(output).tag(4, LEN).string(op);
    for (const [name, value] of attrs)
      w.tag(5, LEN).fork().tag(1, LEN).string(name).tag(3, INT).int64(value).tag(20, INT).int32(2).join(); // INT
    if (domain !== "") w.tag(7, LEN).string(domain);
    w.join();
  };
  const floatTensor = (field: number, name: string) =>
    w
      .tag(field, LEN)
      .fork()
      .tag(1, LEN)
      .string(name) // ValueInfoProto.name
      .tag(2, LEN)
      .fork()
      .tag(1, LEN)
      .fork()
      .tag(1, INT)
      .int32(1)
      .join()
      .join() // type: tensor of FLOAT, any shape
      .join();
  const opset = (domain: string, version: number) => {
    w.tag(8, LEN).fork();
    if (domain !== "") w.tag(1, LEN).string(domain);
    w.tag(2, INT).int64(version).join();
  };
  w.tag(1, INT).int64(8).tag(2, LEN).string("receptive"); // ir_version, producer_name
  w.tag(7, LEN).fork().tag(2, LEN).string("gemm"); // graph
  const product = layout.accumulate ? "P" : "Y";
  node("FusedMatMul", "com.microsoft", ["A", "B"], product, [
    ["transA", +layout.transA],
    ["transB", +layout.transB],
  ]);
  if (layout.accumulate) node("Add", "", ["P", "C"], "Y", []);
  for (const name of layout.accumulate ? ["A", "B", "C"] : ["A", "B"]) floatTensor(11, name);
  floatTensor(12, "Y");
  w.join();
  opset("", 17);
  opset("com.microsoft", 1);
  return w.finish();
}
