// `npm run fresh-check`: the README's two commands on a throwaway clone, as a new user runs them.
// Clones the committed HEAD (or --ref R) into a temporary folder, gives it an empty HOME (so no npm
// cache, no ~/.cache/receptive-e2e code-server, no kernelspecs) and an environment without the
// npm_* variables of the npm that started this script, then runs `npm install && npm start` and
// `npm test` there, and prints each command's exit code and time. Exits 1 when either fails.
// Only committed work is checked: commit first. Needs the npm registry (the cache is empty) and
// the Debian packages of .ci/run (the tests name the apt-get command when one is missing).
// Flags: --ref R (default HEAD), --keep (keep the folder and its logs), --skip-test.

import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const ref = args.includes("--ref") ? args[args.indexOf("--ref") + 1] : "HEAD";
const say = (line) => console.log(`fresh-check: ${line}`);

const git = (...a) => spawnSync("git", ["-C", root, ...a], { encoding: "utf8" });
const commit = git("rev-parse", "--verify", `${ref}^{commit}`).stdout.trim();
if (!commit) {
  console.error(`fresh-check: ${ref} is not a commit of ${root}; expected a branch, tag or hash (--ref R)`);
  process.exit(2);
}
if (ref === "HEAD" && git("status", "--porcelain", "--untracked-files=no").stdout.trim())
  say("note: the working tree has uncommitted changes; only the committed HEAD is checked");

// <tmp>/work/main is the clone and <tmp>/work/shared the shared folder beside it, as in CI.
const base = mkdtempSync(join(tmpdir(), "receptive-fresh-"));
const home = join(base, "home");
const repo = join(base, "work", "main");
mkdirSync(home, { recursive: true });
mkdirSync(join(base, "work"), { recursive: true });
const shared = join(root, "..", "shared");
if (existsSync(shared)) symlinkSync(shared, join(base, "work", "shared"));

// The environment of a new login: no npm_* settings from the npm that ran us (npm_config_cache would
// point the clone at our warm cache), no node_modules/.bin of this checkout on PATH, an empty HOME.
const env = {};
for (const [k, v] of Object.entries(process.env))
  if (!/^npm_|^NODE$|^INIT_CWD$|^RECEPTIVE_/i.test(k)) env[k] = v;
env.HOME = home;
env.PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((p) => !p.includes("node_modules") && !p.includes("node-gyp-bin"))
  .join(delimiter);

function step(name, command) {
  const log = join(base, `${name.replace(/\W+/g, "-")}.log`);
  say(`${name}: ${command} (log: ${log})`);
  const started = Date.now();
  return new Promise((resolve) => {
    const out = createWriteStream(log);
    const child = spawn("sh", ["-c", command], { cwd: repo, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("close", (code, signal) => {
      out.end();
      resolve({ name, command, code: code ?? signal, seconds: (Date.now() - started) / 1000, log });
    });
  });
}

function tail(file, lines) {
  const r = spawnSync("tail", ["-n", String(lines), file], { encoding: "utf8" });
  return r.stdout;
}

async function main() {
  say(`cloning ${commit.slice(0, 12)} into ${repo} (HOME=${home})`);
  const clone = spawnSync("git", ["clone", "--quiet", "--no-local", root, repo], { stdio: "inherit" });
  if (clone.status !== 0) process.exit(2);
  spawnSync("git", ["-C", repo, "checkout", "--quiet", "--detach", commit], { stdio: "inherit" });

  const results = [await step("install and start", "npm install && npm start")];
  if (results[0].code === 0 && !flag("--skip-test")) results.push(await step("test", "npm test"));

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `\nFresh clone of ${commit.slice(0, 12)}, empty HOME, ${cpus().length} x ${cpu}, node ${process.version}\n`,
  );
  console.log("| command | exit code | time |\n| --- | --- | --- |");
  for (const r of results) console.log(`| \`${r.command}\` | ${r.code} | ${r.seconds.toFixed(0)} s |`);
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed) console.log(`\n--- last 40 lines of ${r.log} ---\n${tail(r.log, 40)}`);
  const warnings = results.flatMap((r) =>
    tail(r.log, 100000)
      .split("\n")
      .filter((l) => /^npm warn/i.test(l)),
  );
  if (warnings.length)
    console.log(`\nnpm printed ${warnings.length} warnings:\n${[...new Set(warnings)].join("\n")}`);
  if (flag("--keep") || failed.length) say(`kept ${base}`);
  else rmSync(base, { recursive: true, force: true });
  process.exit(failed.length || warnings.length ? 1 : 0);
}

main();
