// Times the whole course headless, as CI and the grader run it: every notebook in notebooks/ through
// `receptive run`, one after another, wall clock and CPU (user + system of the run and its kernel),
// with the load average around each, and the total against the course's 15-minute budget.
// Usage: npm run build && node scripts/time-course.mjs [name-substring...]

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist/kernel/cli.js");
const BUDGET_MINUTES = 15;

/** CPU seconds (user + system) of this process's waited-for children so far (Linux /proc). */
function childrenCpuSeconds() {
  // Fields after the command name's closing parenthesis; cutime and cstime are fields 16 and 17.
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[16 - 3]) + Number(fields[17 - 3]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

const filters = process.argv.slice(2);
const notebooks = readdirSync(join(root, "notebooks"))
  .filter((f) => f.endsWith(".ipynb") && (filters.length === 0 || filters.some((s) => f.includes(s))))
  .sort();
const out = mkdtempSync(join(tmpdir(), "receptive-course-"));
const rows = [];
let failed = 0;
try {
  for (const nb of notebooks) {
    const load0 = loadavg()[0];
    const cpu0 = childrenCpuSeconds();
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [cli, "run", join("notebooks", nb), "--out", join(out, nb)], {
      cwd: root,
      encoding: "utf8",
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = childrenCpuSeconds() - cpu0;
    const load = (load0 + loadavg()[0]) / 2;
    if (run.status !== 0) failed++;
    rows.push({ nb, wall, cpu, load, ok: run.status === 0 });
    console.log(
      `${nb}: ${run.status === 0 ? "ok" : `FAILED (exit ${run.status})`}, ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, load ${load.toFixed(1)}`,
    );
    if (run.status !== 0) console.log((run.stderr || run.stdout).split("\n").slice(-15).join("\n"));
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
const wall = rows.reduce((s, r) => s + r.wall, 0);
const cpu = rows.reduce((s, r) => s + r.cpu, 0);
console.log(`\n| notebook | wall | CPU | load average |\n| --- | --- | --- | --- |`);
for (const r of rows)
  console.log(
    `| ${r.nb}${r.ok ? "" : " (failed)"} | ${r.wall.toFixed(1)} s | ${r.cpu.toFixed(1)} s | ${r.load.toFixed(1)} |`,
  );
console.log(
  `| all ${rows.length} | ${(wall / 60).toFixed(1)} min | ${(cpu / 60).toFixed(1)} min | |\n\n` +
    `CPU: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} logical cores; Node ${process.version}. ` +
    `The course's budget: ${BUDGET_MINUTES} minutes on 2 cores (${wall / 60 <= BUDGET_MINUTES ? "met" : "NOT met"} in wall clock).`,
);
process.exitCode = failed === 0 ? 0 : 1;
