// TypeScript cells -> JavaScript on tslab's converter: each cell is type-checked against the
// declarations of the cells before it (carried as a .d.ts), top-level await is allowed, and the
// last expression is stored in a variable so the kernel can show it. Property names are respelled
// first (property-names.ts) so names from earlier cells work in `{ q }` and destructuring, and
// top-level `let`/`var` stay live across cells (live-bindings.ts).

import { join, relative } from "node:path";
import type { Converter, Diagnostic, DiagnosticPos } from "tslab/dist/converter";
import { liveBindings } from "./live-bindings";
import { notebookEntry, packageRoot } from "./package-root";
import { respellPropertyNames } from "./property-names";
import { type TS, typescript } from "./typescript";

/** tslab's converter module (loads TypeScript): only when a converter is built. */
const tslabConverter = (): typeof import("tslab/dist/converter") => require("tslab/dist/converter");

export type { Diagnostic };

export interface CompiledCell {
  /** CommonJS code reading earlier cells' names from `exports` and modules through `require`. */
  js: string;
  /** Declarations to type-check the next cell against. */
  declarations: string;
  hasTopLevelAwait: boolean;
  /** Name of the `exports` entry holding the last expression's value, if the cell ends in one. */
  lastExpressionVar?: string;
}

const toPosix = (p: string) => p.split("\\").join("/");
const RECEPTIVE_DIR = "/node_modules/receptive";
const root = toPosix(packageRoot);

/** Maps `<any>/node_modules/receptive/<rest>` onto this package, so TypeScript finds our types. */
function forwardReceptive(path: string): string {
  const p = toPosix(path);
  const i = p.lastIndexOf(RECEPTIVE_DIR);
  if (i < 0) return path;
  const rest = p.slice(i + RECEPTIVE_DIR.length);
  if (rest !== "" && !rest.startsWith("/")) return path;
  return root + rest;
}

/**
 * The package.json TypeScript reads for `receptive` from a cell: the package's own with `types` set
 * to the notebook entry (engine, viz and fit), the module the loader maps the name to.
 */
function notebookPackageJson(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const pkg = JSON.parse(text);
  pkg.types = `./${toPosix(relative(packageRoot, notebookEntry))}.d.ts`;
  return JSON.stringify(pkg);
}

let sysPatched = false;
function patchTypeScriptSys(): void {
  if (sysPatched) return;
  sysPatched = true;
  const sys = typescript().sys as any;
  for (const name of ["fileExists", "directoryExists", "readFile", "getDirectories", "readDirectory"]) {
    const original = sys[name];
    sys[name] = (path: string, ...rest: unknown[]) => original.call(sys, forwardReceptive(path), ...rest);
  }
  const readFile = sys.readFile;
  sys.readFile = (path: string, ...rest: unknown[]) => {
    const text = readFile.call(sys, path, ...rest);
    const isVirtual = forwardReceptive(path) !== path;
    return isVirtual && forwardReceptive(path) === `${root}/package.json` ? notebookPackageJson(text) : text;
  };
  const realpath = sys.realpath;
  // Keep the virtual node_modules path (not the real one) so relative imports inside our .d.ts
  // files resolve through the same forwarding.
  sys.realpath = (path: string) => (forwardReceptive(path) !== path ? path : realpath.call(sys, path));
}

/** Declarations every cell sees: `display`, `input`, `prompt` (the kernel puts their values in `exports`). */
export function preludeDeclarations(): string {
  const displayTypes = toPosix(join(packageRoot, "dist", "kernel", "display", "display-api"));
  const inputTypes = toPosix(join(packageRoot, "dist", "kernel", "server", "execute", "cell-input"));
  return [
    `declare const display: import(${JSON.stringify(displayTypes)}).Display;`,
    `declare const input: import(${JSON.stringify(inputTypes)}).Input;`,
    `declare const prompt: import(${JSON.stringify(inputTypes)}).Input;`,
    "",
  ].join("\n");
}

export class CellCompiler {
  private readonly converter: Converter;
  private declarations = "";

  /** Creating the converter type-checks the standard library: it takes about a second. */
  constructor() {
    patchTypeScriptSys();
    this.converter = tslabConverter().createConverter({ isJS: false, isBrowser: false });
    this.reset();
  }

  reset(): void {
    this.declarations = preludeDeclarations();
  }

  /** Compiles `src`; on type errors returns the diagnostics and keeps the previous declarations. */
  compile(src: string): CompiledCell | { diagnostics: Diagnostic[] } {
    const respelled = respellPropertyNames(src);
    const converted = this.converter.convert(this.declarations, respelled.code);
    if (converted.diagnostics.length > 0) {
      if (respelled.code === src) return { diagnostics: converted.diagnostics };
      // positions in the cell as written (type errors in other files keep theirs)
      const back = (p: DiagnosticPos) => positionOf(src, respelled.toOriginal(p.offset));
      return {
        diagnostics: converted.diagnostics.map((d) =>
          d.fileName ? d : { ...d, start: back(d.start), end: back(d.end) },
        ),
      };
    }
    return {
      js: liveBindings(converted.output ?? ""),
      declarations: converted.declOutput ?? this.declarations,
      hasTopLevelAwait: converted.hasToplevelAwait === true || hasTopLevelForAwait(src),
      lastExpressionVar: converted.lastExpressionVar,
    };
  }

  /** Makes a successfully run cell's declarations visible to later cells. */
  commit(cell: CompiledCell): void {
    this.declarations = cell.declarations.includes("declare const display")
      ? cell.declarations
      : preludeDeclarations() + cell.declarations;
  }

  complete(src: string, cursor: number): { start: number; end: number; candidates: string[] } {
    const info = this.converter.complete(this.declarations, src, cursor);
    return { start: info.start, end: info.end, candidates: info.candidates };
  }

  /**
   * Hover text at `cursor`: the type signature, then the doc comment. Where the cursor is on
   * nothing with a type (after `F.conv2d(x, `), the call whose arguments it is in, as ipykernel
   * does for Shift+Tab; null when there is neither.
   */
  inspect(src: string, cursor: number): { signature: string; documentation: string } | null {
    let info = this.converter.inspect(this.declarations, src, cursor);
    if (!info) {
      const callee = calleeAt(src, cursor);
      if (callee !== null) info = this.converter.inspect(this.declarations, src, callee);
    }
    if (!info) return null;
    const signature = (info.displayParts ?? []).map((p) => p.text).join("");
    const docs = (info.documentation ?? []).map((p) => p.text).join("");
    const tags = (info.tags ?? [])
      .map((t) => `@${t.name} ${(t.text ?? []).map((p) => p.text).join("")}`.trim())
      .join("\n");
    return { signature, documentation: [docs, tags].filter((s) => s !== "").join("\n\n") };
  }

  close(): void {
    this.converter.close();
  }
}

/** Whether `src` is a complete cell (for consoles): incomplete code gets the indent of the next line. */
export function isComplete(src: string): { complete: boolean; indent: string } {
  const r = tslabConverter().isCompleteCode(src);
  return { complete: r.completed, indent: r.indent ?? "" };
}

/** Line and character (zero-based) of `offset` in `text`. */
function positionOf(text: string, offset: number): DiagnosticPos {
  const before = text.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { offset, line, character: offset - (before.lastIndexOf("\n") + 1) };
}

/**
 * Where the callee of the innermost call (or `new`) whose argument list holds `cursor` is named:
 * the start of `conv2d` in `F.conv2d(x, |`; null when the cursor is in no argument list.
 */
export function calleeAt(src: string, cursor: number): number | null {
  const ts = typescript();
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // Spaces before the cursor belong to no node (`F.conv2d(x, |` ends at the comma): step back over them.
  let at = cursor;
  while (at > 0 && /\s/.test(src[at - 1])) at--;
  let found: number | null = null;
  const visit = (node: TS.Node): void => {
    if (at < node.getFullStart() || at > node.end) return;
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments !== undefined) {
      // from just after `(` to just before `)` (or the end, while the call is still being typed)
      const closed = node.end > node.arguments.end && src[node.end - 1] === ")";
      if (at >= node.arguments.pos && at <= (closed ? node.end - 1 : node.end)) {
        const callee = node.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
        found = name.getStart(file);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Whether `src` has a `for await` loop outside any function. tslab only detects top-level `await`
 * expressions, and a `for await` training loop needs the async wrapper just the same.
 */
export function hasTopLevelForAwait(src: string): boolean {
  const ts = typescript();
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node: TS.Node): boolean => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    if (ts.isForOfStatement(node) && node.awaitModifier !== undefined) return true;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(file);
}
