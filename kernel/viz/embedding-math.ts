// The 2-D projections behind viz.embedding: PCA (the two directions of largest variance, by
// power iteration on the covariance matrix) and t-SNE (van der Maaten & Hinton 2008): Gaussian
// affinities with a per-point bandwidth found by binary search to match the perplexity, a
// Student-t kernel in 2-D, gradient descent with early exaggeration (12 for the first 100
// iterations) and momentum (0.5, then 0.8). NOTE: exact t-SNE, O(N^2) per iteration: a few
// thousand points take seconds to tens of seconds; Barnes-Hut would make it O(N log N).

import type { Generator } from "../engine/tensor/random";

/** (N, 2) row-major: x (N, D) projected on its first two principal components. */
export function pca2(x: Float64Array, N: number, D: number): Float64Array {
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) mean[d] += x[i * D + d] / N;
  const xc = Float64Array.from(x, (v, i) => v - mean[i % D]);
  const cov = new Float64Array(D * D); // (D, D)
  for (let i = 0; i < N; i++)
    for (let a = 0; a < D; a++) {
      const va = xc[i * D + a];
      if (va === 0) continue;
      for (let b = a; b < D; b++) cov[a * D + b] += va * xc[i * D + b];
    }
  for (let a = 0; a < D; a++) for (let b = 0; b < a; b++) cov[a * D + b] = cov[b * D + a];
  const comps: Float64Array[] = [];
  for (let k = 0; k < Math.min(2, D); k++) {
    let v = Float64Array.from({ length: D }, (_, i) => 1 + ((i * 7919 + k * 104729) % 13) / 13);
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(D);
      for (let a = 0; a < D; a++) {
        let s = 0;
        for (let b = 0; b < D; b++) s += cov[a * D + b] * v[b];
        w[a] = s;
      }
      for (const c of comps) {
        let dot = 0;
        for (let a = 0; a < D; a++) dot += w[a] * c[a];
        for (let a = 0; a < D; a++) w[a] -= dot * c[a];
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      let change = 0;
      for (let a = 0; a < D; a++) {
        change += Math.abs(w[a] / norm - v[a]);
        w[a] /= norm;
      }
      v = w;
      if (change < 1e-10) break;
    }
    comps.push(v);
  }
  const out = new Float64Array(N * 2);
  for (let i = 0; i < N; i++)
    comps.forEach((c, k) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += xc[i * D + d] * c[d];
      out[i * 2 + k] = s;
    });
  return out;
}

export interface TsneOptions {
  perplexity: number;
  iterations: number;
  learningRate?: number;
  generator: Generator;
}

/** (N, 2) row-major t-SNE embedding of x (N, D). */
export function tsne2(
  x: Float64Array,
  N: number,
  D: number,
  { perplexity, iterations, learningRate, generator }: TsneOptions,
): Float64Array {
  // squared distances (N, N)
  const dist = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = i + 1; j < N; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (x[i * D + d] - x[j * D + d]) ** 2;
      dist[i * N + j] = s;
      dist[j * N + i] = s;
    }
  // conditional affinities p(j|i) with entropy log(perplexity), then P = (p(j|i) + p(i|j)) / 2N
  const P = new Float64Array(N * N);
  const target = Math.log(perplexity);
  for (let i = 0; i < N; i++) {
    let [lo, hi, beta] = [0, Number.POSITIVE_INFINITY, 1];
    const row = P.subarray(i * N, (i + 1) * N);
    for (let it = 0; it < 64; it++) {
      let sum = 0;
      let min = Number.POSITIVE_INFINITY;
      for (let j = 0; j < N; j++) if (j !== i && dist[i * N + j] < min) min = dist[i * N + j];
      for (let j = 0; j < N; j++) {
        row[j] = j === i ? 0 : Math.exp(-beta * (dist[i * N + j] - min));
        sum += row[j];
      }
      let h = 0;
      for (let j = 0; j < N; j++) {
        row[j] /= sum;
        if (row[j] > 1e-300) h -= row[j] * Math.log(row[j]);
      }
      if (Math.abs(h - target) < 1e-5) break;
      if (h > target) [lo, beta] = [beta, hi === Number.POSITIVE_INFINITY ? beta * 2 : (beta + hi) / 2];
      else [hi, beta] = [beta, (beta + lo) / 2];
    }
  }
  for (let i = 0; i < N; i++)
    for (let j = i + 1; j < N; j++) {
      const p = Math.max((P[i * N + j] + P[j * N + i]) / (2 * N), 1e-12);
      P[i * N + j] = p;
      P[j * N + i] = p;
    }
  const lr = learningRate ?? Math.max(N / 12, 50);
  const y = Float64Array.from({ length: N * 2 }, () => 1e-4 * generator.normal());
  const vel = new Float64Array(N * 2);
  const gains = new Float64Array(N * 2).fill(1);
  for (let it = 0; it < iterations; it++) {
    const exaggeration = it < 100 ? 12 : 1;
    const momentum = it < 250 ? 0.5 : 0.8;
    // One pass over the pairs: with w = 1 / (1 + |yi - yj|^2) and Z = sum of w over all pairs,
    // dC/dyi = 4 sum_j (e P_ij - w / Z) w (yi - yj) = 4 (attractive_i - repulsive_i / Z).
    let z = 0;
    const attract = new Float64Array(N * 2);
    const repel = new Float64Array(N * 2);
    for (let i = 0; i < N; i++) {
      const [yi0, yi1] = [y[2 * i], y[2 * i + 1]];
      for (let j = i + 1; j < N; j++) {
        const d0 = yi0 - y[2 * j];
        const d1 = yi1 - y[2 * j + 1];
        const w = 1 / (1 + d0 * d0 + d1 * d1);
        z += 2 * w;
        const a = exaggeration * P[i * N + j] * w;
        const r = w * w;
        attract[2 * i] += a * d0;
        attract[2 * i + 1] += a * d1;
        attract[2 * j] -= a * d0;
        attract[2 * j + 1] -= a * d1;
        repel[2 * i] += r * d0;
        repel[2 * i + 1] += r * d1;
        repel[2 * j] -= r * d0;
        repel[2 * j + 1] -= r * d1;
      }
    }
    const grad = attract.map((a, k) => 4 * (a - repel[k] / z));
    for (let k = 0; k < 2 * N; k++) {
      gains[k] = Math.sign(grad[k]) !== Math.sign(vel[k]) ? gains[k] + 0.2 : Math.max(0.01, gains[k] * 0.8);
      vel[k] = momentum * vel[k] - lr * gains[k] * grad[k];
      y[k] += vel[k];
    }
    let mx = 0;
    let my = 0;
    for (let i = 0; i < N; i++) [mx, my] = [mx + y[2 * i] / N, my + y[2 * i + 1] / N];
    for (let i = 0; i < N; i++) [y[2 * i], y[2 * i + 1]] = [y[2 * i] - mx, y[2 * i + 1] - my];
  }
  return y;
}
