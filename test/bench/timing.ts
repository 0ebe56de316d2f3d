// Timing one benchmark step: warm up, then time batches of steps long enough to be measured,
// and keep the best batch (the one least disturbed by other processes on a shared machine).

/** Best throughput (work per second) of `rounds` timed batches of `step`. */
export function measure(step: () => void, work: number, { rounds = 5, minBatchMs = 300 } = {}): number {
  step(); // warm-up: JIT, wasm memory growth, worker start
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) step();
    if (performance.now() - t >= minBatchMs / 4 || reps >= 1 << 20) break;
    reps *= 2;
  }
  // One batch lasts about minBatchMs.
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) step();
  const perStep = (performance.now() - t0) / reps;
  reps = Math.max(1, Math.round(minBatchMs / Math.max(perStep, 1e-3)));
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) step();
    best = Math.max(best, (work * reps) / ((performance.now() - t) / 1000));
  }
  return best;
}
