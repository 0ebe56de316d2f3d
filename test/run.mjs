// Runs every compiled test file under dist/test with node's test runner.
// (Node 20's runner takes no globs, so we list the files ourselves.) A compiled test whose source
// test/**/*.test.ts is gone (deleted or renamed since the last build) is left out, not run stale.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../dist/test", import.meta.url).pathname;
const sources = new URL(".", import.meta.url).pathname;
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (
      name.endsWith(".test.js") &&
      existsSync(join(sources, p.slice(root.length).replace(/\.js$/, ".ts")))
    )
      files.push(p);
  }
};
walk(root);
const only = process.argv.slice(2);
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (chosen.length === 0) {
  // (node --test with no files would go looking for tests everywhere)
  console.error(`test/run.mjs: no compiled test matches ${only.join(", ")}; run npm run build first?`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...chosen], { stdio: "inherit" });
process.exit(r.status ?? 1);
