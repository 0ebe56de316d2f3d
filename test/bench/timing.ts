// Timing one benchmark step: warm up, then time many short batches of steps and keep the best
// (the one least disturbed by other processes on a shared machine). Also reports throughput per
// CPU-second of this process (all its threads), which other processes disturb much less.

export interface Measurement {
  /** Best batch: work per wall-clock second. */
  best: number;
  /** All batches: work per CPU-second used by this process. */
  perCpuSecond: number;
}

export function measure(
  step: () => void,
  work: number,
  { rounds = 20, batchMs = 100 }: { rounds?: number; batchMs?: number } = {},
): Measurement {
  step(); // warm-up: JIT, wasm memory growth, worker start
  step();
  const t0 = performance.now();
  let probe = 0;
  while (performance.now() - t0 < batchMs) {
    step();
    probe++;
  }
  const reps = Math.max(1, Math.round((probe * batchMs) / (performance.now() - t0)));
  let best = 0;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) step();
    best = Math.max(best, (work * reps) / ((performance.now() - t) / 1000));
  }
  const cpu = process.cpuUsage(cpu0);
  return { best, perCpuSecond: (work * reps * rounds) / ((cpu.user + cpu.system) / 1e6) };
}
