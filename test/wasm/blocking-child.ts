// Child process of blocking.test.ts: runs GEMMs (matmul, batched, transposed, through autograd)
// and conv2d forward + backward on the wasm backend at 2 threads under whatever
// RECEPTIVE_GEMM_BLOCKING the parent set, and prints one JSON line: the blocking in effect, a
// SHA-256 of every result's bytes, and the GEMMs' largest error against a float64 reference (so
// identical hashes cannot come from identically wrong results).

import { createHash } from "node:crypto";
import * as R from "../../kernel/engine/index";
import { f32Random } from "./wasm-helpers";

R.setNumThreads(2);

const hashes: Record<string, string> = {};
const record = (name: string, t: R.Tensor | null) => {
  if (t === null) throw new Error(`${name}: no gradient`);
  hashes[name] = createHash("sha256").update(new Uint8Array(t.data.buffer)).digest("hex");
};
const tensor = (shape: number[], seed: number, requiresGrad = false) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return R.tensor(f32Random(n, seed), { shape, requiresGrad });
};

/** Largest |C - A @ B| / (|A| |B| row-column norms) of one (M, K) @ (K, N), in float64. */
function gemmError(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  M: number,
  N: number,
  K: number,
): number {
  let worst = 0;
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let sum = 0;
      let scale = 0;
      for (let k = 0; k < K; k++) {
        sum += a[i * K + k] * b[k * N + j];
        scale += Math.abs(a[i * K + k] * b[k * N + j]);
      }
      worst = Math.max(worst, Math.abs(c[i * N + j] - sum) / (scale + 1e-30));
    }
  return worst;
}

// Shapes spanning several MC and NC blocks of the small blockings and ending in partial micro-tiles.
let maxGemmError = 0;
for (const [M, K, N, seed] of [
  [300, 600, 1100, 1],
  [37, 513, 45, 2],
  [130, 257, 1030, 3],
]) {
  const a = tensor([M, K], seed, true);
  const b = tensor([K, N], seed + 100, true);
  const c = R.matmul(a, b);
  record(`matmul ${M}x${K}x${N}`, c);
  maxGemmError = Math.max(maxGemmError, gemmError(a.data, b.data, c.data, M, N, K));
  c.backward(tensor([M, N], seed + 200)); // dA = dC @ B^T, dB = A^T @ dC: transposed operands
  record(`matmul ${M}x${K}x${N} dA`, a.grad);
  record(`matmul ${M}x${K}x${N} dB`, b.grad);
}
record("batched matmul 3x70x300x90", R.matmul(tensor([3, 70, 300], 4), tensor([3, 300, 90], 5)));
record("matmul transposed A", R.matmul(tensor([520, 140], 6).t(), tensor([520, 260], 7)));

// conv2d forward + backward over the GEMM paths: im2col (packed B), Winograd (prepacked A and B),
// strided, 1x1, grouped; batch 2, with bias.
for (const [name, C, OC, size, k, stride, groups] of [
  ["3x3 16->72 20x20", 16, 72, 20, 3, 1, 1],
  ["3x3 64->136 12x12", 64, 136, 12, 3, 1, 1],
  ["3x3 stride 2 24->40 17x17", 24, 40, 17, 3, 2, 1],
  ["1x1 96->200 9x9", 96, 200, 9, 1, 1, 1],
  ["5x5 groups 2 8->36 15x15", 8, 36, 15, 5, 1, 2],
] as const) {
  const x = tensor([2, C, size, size], C + 1, true);
  const w = tensor([OC, C / groups, k, k], OC + 2, true);
  const bias = tensor([OC], 3, true);
  const out = R.F.conv2d(x, w, bias, { padding: (k - 1) / 2, stride, groups });
  record(`conv ${name} out`, out);
  out.backward(tensor([...out.shape], 4));
  record(`conv ${name} dx`, x.grad);
  record(`conv ${name} dw`, w.grad);
  record(`conv ${name} db`, bias.grad);
}

const info = R.backendInfo();
console.log(
  JSON.stringify({ backend: info.name, gemm: info.gemm, threads: R.getNumThreads(), maxGemmError, hashes }),
);
