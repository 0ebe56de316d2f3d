// Runs every compiled test file under dist/test with node's test runner.
// (Node 20's runner takes no globs, so we list the files ourselves.)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../dist/test", import.meta.url).pathname;
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js")) files.push(p);
  }
};
walk(root);
const only = process.argv.slice(2);
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...chosen], { stdio: "inherit" });
process.exit(r.status ?? 1);
