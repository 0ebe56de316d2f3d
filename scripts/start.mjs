// `npm start`: the main job. With VS Code's `code` command on PATH: build, then open the course
// (notebooks/) in VS Code with this repository's extension loaded (extension development host).
// Without it: build, then run the flagship notebook headless with `receptive run`, writing the
// executed notebook and an HTML report to out/, and say so. `--no-build` uses what is built.

import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const FLAGSHIP = "notebooks/05-lenet-fashion-mnist.ipynb";
const say = (line) => console.log(`start: ${line}`);

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const hasCode = spawnSync("code", ["--version"], { stdio: "ignore" }).status === 0;
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
if (process.argv.includes("--no-build")) say("skipping the build (--no-build)");
else {
  say("building (npm run build)");
  if (run(npm, ["run", "build"]) !== 0) process.exit(1);
}

if (hasCode) {
  const extension = join(root, "extension");
  say(
    `opening ${relative(process.cwd(), join(root, "notebooks")) || "."} in VS Code with the Receptive extension from ${extension}`,
  );
  say('pick the kernel "Receptive (TypeScript)" in a notebook, then Run All');
  process.exit(run("code", [`--extensionDevelopmentPath=${extension}`, join(root, "notebooks")]));
}

const out = join(root, "out");
mkdirSync(out, { recursive: true });
const cli = join(root, "dist", "kernel", "cli.js");
const help = spawnSync(process.execPath, [cli, "run", "--help"], { encoding: "utf8" });
const canHtml = `${help.stdout}${help.stderr}`.includes("--html");
const executed = join(out, "05-lenet-fashion-mnist.ipynb");
const report = join(out, "report.html");
say("no `code` command on PATH, so no VS Code to open: running the flagship notebook headless instead");
say(
  `receptive run ${FLAGSHIP} -> ${relative(root, executed)}${canHtml ? ` and ${relative(root, report)}` : ""}`,
);
const args = [cli, "run", join(root, FLAGSHIP), "--out", executed, ...(canHtml ? ["--html", report] : [])];
const status = run(process.execPath, args);
if (status === 0) {
  say(`done: open ${relative(process.cwd(), canHtml ? report : executed)} to see the outputs`);
  say(
    "to work in VS Code instead: install VS Code (its `code` command) and run npm start again, or npm run package and install extension/receptive-*.vsix",
  );
}
process.exit(status);
