// A real VS Code for the end-to-end test: code-server (installed by scripts/e2e/install-code-server.mjs
// into a cache outside the repo) started on 127.0.0.1 with a fresh profile, the Receptive .vsix
// installed into a fresh extensions folder, and stopped with its whole process group (it spawns an
// extension host, file watchers and our kernel).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..", "..");
export const ARTIFACTS = join(ROOT, "test", "artifacts", "e2e");

export interface CodeServerInstall {
  /** Node 24 binary code-server runs on. */
  node: string;
  /** code-server's out/node/entry.js. */
  codeServer: string;
}

/** Newest modification time of the files under `path`. */
function newest(path: string): number {
  if (!existsSync(path)) return Number.POSITIVE_INFINITY;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * The .vsix of what is built now: `npm run package` output when it is newer than the built kernel
 * and extension, else packaged here (`--no-build`: npm test has built dist/ already). Copied to
 * `dir` so a later repackaging cannot change it under code-server.
 */
export function packagedVsix(dir: string): string {
  const version = JSON.parse(readFileSync(join(ROOT, "extension", "package.json"), "utf8")).version;
  const vsix = join(ROOT, "extension", `receptive-${version}.vsix`);
  const inputs = ["dist/kernel", "extension/dist", "extension/package.json", "notebooks"].map((p) =>
    newest(join(ROOT, p)),
  );
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < Math.max(...inputs)) {
    const noBuild = existsSync(join(ROOT, "extension", "dist", "extension.js")) ? ["--no-build"] : [];
    const script = join(ROOT, "scripts", "package.mjs");
    execFileSync(process.execPath, [script, ...noBuild], { cwd: ROOT, stdio: "inherit" });
  }
  const copy = join(dir, "receptive.vsix");
  copyFileSync(vsix, copy);
  return copy;
}

/** Runs the installer with `args` (instant when its cache is there) and returns its JSON line. */
function runInstaller(args: string[]): unknown {
  const out = execFileSync(
    process.execPath,
    [join(ROOT, "scripts", "e2e", "install-code-server.mjs"), ...args],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 20 * 60_000,
    },
  );
  const last = out.trim().split("\n").pop() ?? "";
  return JSON.parse(last);
}

/** Runs the installer and returns where things are. */
export function installCodeServer(): CodeServerInstall {
  return runInstaller([]) as CodeServerInstall;
}

/** Installs only the Node 24 code-server runs on (for tests and benchmarks under V8 13); its binary. */
export function installNode24(): string {
  return (runInstaller(["--node-only"]) as Pick<CodeServerInstall, "node">).node;
}

// Settings that keep a fresh profile quiet: no welcome page, no update or marketplace checks.
const USER_SETTINGS = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "window.restoreWindows": "none",
  "files.hotExit": "off",
  "files.autoSave": "off", // VS Code for the web saves after a delay by default; the test saves itself
  "notebook.confirmDeleteRunningCell": false,
  // The tests type code into cells: no closing bracket or quote typed for them, Enter is a newline.
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.acceptSuggestionOnEnter": "off",
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  /** code-server's stdout and stderr. */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Installs `vsix` into a fresh extensions folder, then starts code-server on a free 127.0.0.1 port
 * in its own session (process group), and resolves once it answers /healthz.
 */
export async function startCodeServer(install: CodeServerInstall, vsix: string): Promise<CodeServer> {
  const home = mkdtempSync(join(tmpdir(), "receptive-code-server-"));
  const userDataDir = join(home, "user-data");
  const extensionsDir = join(home, "extensions");
  mkdirSync(join(userDataDir, "User"), { recursive: true });
  writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify(USER_SETTINGS, null, 2));
  const dirs = ["--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];

  execFileSync(install.node, [install.codeServer, ...dirs, "--install-extension", vsix], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });

  const port = await freePort();
  mkdirSync(ARTIFACTS, { recursive: true });
  const logFile = join(ARTIFACTS, "code-server.log");
  const log = createWriteStream(logFile);
  const args = [
    install.codeServer,
    ...dirs,
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--auth",
    "none",
    "--disable-workspace-trust",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-getting-started-override",
  ];
  // detached: the child calls setsid(), so it leads a new process group we can stop as one.
  const child: ChildProcess = spawn(install.node, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HOME: home,
      XDG_DATA_HOME: join(home, "data"),
      XDG_CONFIG_HOME: join(home, "config"),
    },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with ${child.exitCode} before answering on ${url}; see ${logFile}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      killGroup("SIGKILL");
      throw new Error(`code-server did not answer ${url}/healthz within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    logFile,
    async stop() {
      killGroup("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      killGroup("SIGKILL"); // helpers that ignored SIGTERM
      process.removeListener("exit", onExit);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
