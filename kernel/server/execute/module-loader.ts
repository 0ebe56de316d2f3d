// How cells load modules: `require` resolved from the notebook's folder, `receptive` always mapped to
// this package (the bare name to the notebook entry: engine, viz and fit), and ES modules (ESM-only
// packages, top-level await, "import"-only exports) loaded with a real `import()` before the cell
// runs, since tslab compiles imports to `require`.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isReceptiveSpecifier, notebookEntry, packageRoot } from "./package-root";
import { type TS, typescript } from "./typescript";

/** Errors that mean "this module can only be loaded with import()". */
const ESM_ONLY_CODES = new Set([
  "ERR_REQUIRE_ESM",
  "ERR_REQUIRE_ASYNC_MODULE",
  "ERR_PACKAGE_PATH_NOT_EXPORTED",
]);

export class ModuleLoader {
  private readonly notebookRequire: NodeJS.Require;
  private readonly selfRequire = createRequire(join(packageRoot, "package.json"));
  private readonly esModules = new Map<string, unknown>();
  readonly require: NodeJS.Require;

  constructor(readonly notebookDir: string) {
    this.notebookRequire = createRequire(join(notebookDir, "__notebook__.js"));
    const load = (id: string) => {
      if (this.esModules.has(id)) return this.esModules.get(id);
      if (id === "receptive") return this.selfRequire(`${notebookEntry}.js`);
      if (isReceptiveSpecifier(id)) return this.selfRequire(id);
      try {
        return this.notebookRequire(id);
      } catch (err) {
        // Packages that come with Receptive (onnxruntime-node, the pretrained models of notebook 08)
        // load from a notebook anywhere, as `receptive` does; the notebook's own copy comes first.
        if (!isBareNotFound(err, id)) throw err;
        return this.selfRequire(id);
      }
    };
    this.require = Object.assign(load, {
      resolve: this.notebookRequire.resolve,
      cache: this.notebookRequire.cache,
      main: this.notebookRequire.main,
      extensions: this.notebookRequire.extensions,
    }) as NodeJS.Require;
  }

  /**
   * Loads, with import(), each module `src` imports (statically or with a literal `import("x")`)
   * that `require` cannot load; the compiled cell's `require` then returns the namespace.
   */
  async preloadEsModules(src: string): Promise<void> {
    for (const specifier of importedSpecifiers(src)) {
      if (this.esModules.has(specifier) || isReceptiveSpecifier(specifier) || specifier.startsWith("node:")) {
        continue;
      }
      try {
        this.notebookRequire(specifier);
        continue;
      } catch (err) {
        if (!ESM_ONLY_CODES.has((err as { code?: string }).code ?? "")) continue; // the cell reports it
      }
      const url = resolveEsm(specifier, this.notebookDir);
      const namespace = (await import(url)) as Record<string, unknown>;
      // `__esModule` makes the compiled code's __importStar/__importDefault use the namespace as is.
      this.esModules.set(specifier, { __esModule: true, ...namespace });
    }
  }
}

/** `require(id)` failed because bare `id` (not a path) is not installed beside the notebook. */
function isBareNotFound(err: unknown, id: string): boolean {
  const bare = !id.startsWith(".") && !isAbsolute(id) && !id.startsWith("node:");
  return (
    bare &&
    (err as { code?: string }).code === "MODULE_NOT_FOUND" &&
    String((err as Error).message).includes(`'${id}'`)
  );
}

/** Module specifiers in `import ... from "x"`, `export ... from "x"` and `import("x")`. */
export function importedSpecifiers(src: string): string[] {
  const ts = typescript();
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = new Set<string>();
  const visit = (node: TS.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.add(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length >= 1 &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...found];
}

/** Resolves `specifier` from `dir` with the "import" condition, as Node's ESM loader would. */
export function resolveEsm(specifier: string, dir: string): string {
  if (specifier.startsWith("file:")) return specifier;
  if (specifier.startsWith(".") || isAbsolute(specifier)) return pathToFileURL(resolve(dir, specifier)).href;
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : ".";
  for (let d = dir; ; d = dirname(d)) {
    const pkgDir = join(d, "node_modules", name);
    const pj = join(pkgDir, "package.json");
    if (existsSync(pj)) {
      const pkg = JSON.parse(readFileSync(pj, "utf8"));
      const target =
        exportsTarget(pkg.exports, subpath) ?? (subpath === "." ? (pkg.main ?? "index.js") : subpath);
      return pathToFileURL(join(pkgDir, target)).href;
    }
    if (dirname(d) === d) break;
  }
  throw new Error(`Cannot find module '${specifier}' from ${dir} (install it in the notebook's folder)`);
}

function exportsTarget(exports: unknown, subpath: string): string | undefined {
  if (exports === undefined || exports === null) return undefined;
  if (typeof exports === "string") return subpath === "." ? exports : undefined;
  if (Array.isArray(exports)) {
    for (const e of exports) {
      const t = exportsTarget(e, subpath);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  const entries = exports as Record<string, unknown>;
  const keys = Object.keys(entries);
  if (keys.some((k) => k.startsWith("."))) return pickCondition(entries[subpath]);
  return subpath === "." ? pickCondition(entries) : undefined;
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickCondition(t);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (target === null || typeof target !== "object") return undefined;
  const conditions = target as Record<string, unknown>;
  for (const [condition, value] of Object.entries(conditions)) {
    if (condition === "import" || condition === "node" || condition === "default") {
      const r = pickCondition(value);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}
