// The layers' dependency direction (docs/architecture.md): the engine stands alone, no file under
// kernel/engine names (statically, with a lazy require(), a dynamic import() or a type-only
// import) a module outside kernel/engine, so a Node script's `receptive` never loads the notebook
// code (kernel/display, kernel/viz, kernel/server); the display layer stands alone too; viz reaches
// only the display layer and the engine.

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

const root = join(__dirname, "..", "..", "..");
// NOTE: names resolve from where the compiled file runs (dist/kernel/...), as require does.
const dist = join(root, "dist");

/** The folders under kernel/ whose files a layer's files may name (its own first). */
const LAYERS: Record<string, string[]> = {
  engine: ["engine"],
  display: ["display"],
  viz: ["viz", "display", "engine"],
};

/**
 * Files outside the layers they may read, with the reason. The package's package.json: an exported
 * ONNX file names the version that produced it (engine/onnx/export/export.ts).
 */
const ALLOWED_OUTSIDE = new Set([join(root, "package.json")]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Every module a source file names: import/export ... from, import(), require(), import("x") types. */
function moduleNames(file: string, text: string): { name: string | null; line: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: { name: string | null; line: number }[] = [];
  const add = (node: ts.Node, arg: ts.Node | undefined) =>
    found.push({
      name: arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : null,
      line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
    });
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node, node.argument.literal);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire =
        (ts.isIdentifier(callee) && callee.text === "require") ||
        (ts.isPropertyAccessExpression(callee) &&
          ts.isIdentifier(callee.expression) &&
          callee.expression.text === "require" &&
          callee.name.text === "resolve");
      if (isRequire || callee.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The imports of `file` that leave the folders `allowed` (under kernel/), as "file:line -> what" lines. */
function outsideImports(file: string, text: string, allowed: string[]): string[] {
  const folders = allowed.map((f) => join(dist, "kernel", f));
  const where = (line: number) => `${relative(root, file)}:${line}`;
  const bad: string[] = [];
  for (const { name, line } of moduleNames(file, text)) {
    if (name === null) bad.push(`${where(line)} -> a computed module name (cannot be checked)`);
    else if (name === "receptive" || name.startsWith("receptive/"))
      bad.push(`${where(line)} -> ${name} (the package itself: name its files by relative path)`);
    else if (name.startsWith(".")) {
      const target = resolve(join(dist, relative(root, dirname(file))), name);
      const inside = folders.some((f) => target === f || target.startsWith(`${f}/`));
      if (!inside && !ALLOWED_OUTSIDE.has(target)) bad.push(`${where(line)} -> ${relative(dist, target)}`);
    }
  }
  return bad;
}

describe("the layers' imports", () => {
  for (const [layer, allowed] of Object.entries(LAYERS)) {
    it(`kernel/${layer} names only kernel/{${allowed.join(", ")}}`, () => {
      const files = sourceFiles(join(root, "kernel", layer));
      assert.ok(files.length > 5, `expected sources under kernel/${layer}, found ${files.length}`);
      const bad = files.flatMap((f) => outsideImports(f, readFileSync(f, "utf8"), allowed));
      assert.deepEqual(
        bad,
        [],
        `kernel/${layer} imports code outside kernel/{${allowed}}:\n${bad.join("\n")}`,
      );
    });
  }

  it("are all found: static, re-exports, lazy require(), import() and import types", () => {
    const file = join(root, "kernel", "engine", "nn", "example.ts");
    const text = [
      'import { registerModel } from "../../viz/feature-map-requests";',
      'export { display } from "../../display/index";',
      'import type { Session } from "../../server/execute/session";',
      'const viz: typeof import("../../viz/module-display") = require("../../viz/module-display");',
      'const later = import("../../viz/index");',
      'const path = require.resolve("../../display/mime");',
      "const dynamic = require(name);",
      'import { check } from "../errors";',
      'import { readFileSync } from "node:fs";',
      'const version = require("../../../../package.json");',
    ].join("\n");
    assert.deepEqual(outsideImports(file, text, ["engine"]), [
      "kernel/engine/nn/example.ts:1 -> kernel/viz/feature-map-requests",
      "kernel/engine/nn/example.ts:2 -> kernel/display/index",
      "kernel/engine/nn/example.ts:3 -> kernel/server/execute/session",
      "kernel/engine/nn/example.ts:4 -> kernel/viz/module-display",
      "kernel/engine/nn/example.ts:4 -> kernel/viz/module-display",
      "kernel/engine/nn/example.ts:5 -> kernel/viz/index",
      "kernel/engine/nn/example.ts:6 -> kernel/display/mime",
      "kernel/engine/nn/example.ts:7 -> a computed module name (cannot be checked)",
    ]);
  });
});
