// Pieces of the execution core that need no kernel: Jupyter message signing and replay refusal,
// mapping compiled positions back to the cell, finding a cell's imports, resolving ESM-only
// packages, cursors, names from earlier cells in shorthand properties and destructuring, and the
// call a cursor is in.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { CellCompiler, calleeAt, hasTopLevelForAwait } from "../../kernel/server/execute/cell-compiler";
import { mapToCell } from "../../kernel/server/execute/error-location";
import { importedSpecifiers, ModuleLoader, resolveEsm } from "../../kernel/server/execute/module-loader";
import { respellPropertyNames } from "../../kernel/server/execute/property-names";
import { codePointsToUtf16, utf16ToCodePoints } from "../../kernel/server/jupyter/cursor";
import { decode, encode, makeHeader, SignatureHistory, Signer } from "../../kernel/server/jupyter/wire";

describe("Jupyter wire format", () => {
  test("messages round-trip with an HMAC-SHA256 signature; tampering is rejected", () => {
    const signer = new Signer("secret", "hmac-sha256");
    const header = makeHeader("execute_request", "s1");
    const frames = encode(signer, [Buffer.from("client-id")], header, {}, { code: "1 + 1" });
    const msg = decode(frames, signer);
    assert.deepEqual(msg.identities.map(String), ["client-id"]);
    assert.equal(msg.header.msg_type, "execute_request");
    assert.deepEqual(msg.content, { code: "1 + 1" });
    const tampered = [...frames];
    tampered[tampered.length - 1] = Buffer.from(JSON.stringify({ code: "evil()" }));
    assert.throws(() => decode(tampered, signer), /invalid signature/);
    assert.throws(() => decode(frames, new Signer("other", "hmac-sha256")), /invalid signature/);
  });

  test("a message whose signature was seen before (a replay) is refused; the history is bounded", () => {
    const signer = new Signer("secret", "hmac-sha256");
    const history = new SignatureHistory(2);
    const message = (code: string) => encode(signer, [], makeHeader("execute_request", "s"), {}, { code });
    const first = message("1");
    assert.equal(decode(first, signer, history).content.code, "1");
    assert.throws(() => decode(first, signer, history), /duplicate signature/);
    decode(message("2"), signer, history);
    decode(message("3"), signer, history); // the history holds 2: the first is forgotten
    assert.equal(decode(first, signer, history).content.code, "1");
    // unsigned messages (empty key) all have the same empty signature: never refused
    const unsigned = new Signer("", "hmac-sha256");
    const frames = encode(unsigned, [], makeHeader("kernel_info_request", "s"), {}, {});
    decode(frames, unsigned, history);
    decode(frames, unsigned, history);
  });

  test("an empty key means unsigned messages", () => {
    const signer = new Signer("", "hmac-sha256");
    const frames = encode(signer, [], makeHeader("kernel_info_request", "s"), {}, {});
    assert.equal(frames[1].toString(), "");
    assert.equal(decode(frames, signer).header.msg_type, "kernel_info_request");
  });
});

describe("error positions", () => {
  test("a compiled line maps to the cell line with the same tokens", () => {
    const source = "let a = 1;\nfunction f(n: number): number {\n  return n.toFixed(2).missing();\n}\nf(a);";
    const compiled =
      'Object.defineProperty(exports, "__esModule", { value: true });\nexports.a = 1;\nfunction f(n) {\n    return n.toFixed(2).missing();\n}\nf(exports.a);';
    assert.deepEqual(mapToCell(compiled, 4, 25, source), { line: 3, column: 23 });
    assert.deepEqual(mapToCell(compiled, 6, 1, source), { line: 5, column: 1 });
  });
});

describe("cell imports", () => {
  test("static, re-export and literal dynamic imports are found", () => {
    const src =
      'import a from "pkg-a";\nexport { b } from "./b";\nconst c = await import("pkg-c");\nconst d = await import(name);';
    assert.deepEqual(importedSpecifiers(src), ["pkg-a", "./b", "pkg-c"]);
  });

  test("ESM-only packages resolve through their import condition", () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-esm-"));
    const pkg = join(dir, "node_modules", "@scope", "lib");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ exports: { ".": { require: "./no.cjs", import: "./dist/index.js" } } }),
    );
    const nested = join(dir, "notebooks", "week1");
    mkdirSync(nested, { recursive: true });
    assert.equal(resolveEsm("@scope/lib", nested), pathToFileURL(join(pkg, "dist", "index.js")).href);
    assert.throws(() => resolveEsm("not-installed", nested), /Cannot find module 'not-installed'/);
  });

  test("packages that come with Receptive load from a notebook anywhere; the notebook's own copy first", () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-loader-"));
    const loader = new ModuleLoader(dir);
    assert.equal(typeof (loader.require("pngjs") as { PNG: unknown }).PNG, "function"); // Receptive's
    const own = join(dir, "node_modules", "pngjs");
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, "package.json"), JSON.stringify({ name: "pngjs", main: "index.js" }));
    writeFileSync(join(own, "index.js"), "module.exports = { mine: true };");
    assert.deepEqual(new ModuleLoader(dir).require("pngjs"), { mine: true });
    assert.throws(
      () => loader.require("not-installed-anywhere"),
      /Cannot find module 'not-installed-anywhere'/,
    );
    assert.throws(() => loader.require("./missing-local"), /Cannot find module '\.\/missing-local'/);
  });

  test("top-level for-await is detected, nested ones are not", () => {
    assert.equal(hasTopLevelForAwait("for await (const b of loader) { step(b); }"), true);
    assert.equal(hasTopLevelForAwait("async function f() { for await (const b of l) {} }"), false);
  });
});

describe("cursor positions", () => {
  test("code points (Jupyter) and UTF-16 units (JavaScript) convert both ways", () => {
    const text = "const 😀 = 1; x";
    assert.equal(codePointsToUtf16(text, 8), 9);
    assert.equal(utf16ToCodePoints(text, 9), 8);
  });
});

describe("names from earlier cells", () => {
  /** Compiles and runs cells in one scope, as the session does; returns each cell's last value. */
  function runCells(cells: string[]): unknown[] {
    const compiler = new CellCompiler();
    const scope: Record<string, unknown> = {};
    try {
      return cells.map((src) => {
        const cell = compiler.compile(src);
        if ("diagnostics" in cell)
          throw new Error(`${src}: ${cell.diagnostics.map((d) => d.messageText).join("; ")}`);
        new Function("exports", "require", cell.js)(scope, require);
        compiler.commit(cell);
        return cell.lastExpressionVar === undefined ? undefined : scope[cell.lastExpressionVar];
      });
    } finally {
      compiler.close();
    }
  }

  test("work in shorthand properties, spreads, arrays, templates and destructuring", () => {
    const values = runCells([
      "const q = 1; let m = 0; const pair = { a: 2, c: 3 }; function fn() { return 4; }",
      "({ q })",
      "({ q, ...pair })",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the cell
      "[q, `${q}`]",
      "({ fn }).fn()",
      "function g() { return { q }; }\ng()",
      "const { a } = pair;\na + 10",
      "({ a })",
      "const { c: renamed } = pair;\nrenamed",
      "for (const { c: v } of [pair]) m = v;\nm",
      "({ m } = { m: 9 });\nm",
      "({ m = 5 } = {});\nm",
      "[m] = [7];\nm",
      "function h() { const q = 'inner'; return { q }; }\nh()",
    ]);
    assert.deepEqual(values.slice(1), [
      { q: 1 },
      { q: 1, a: 2, c: 3 },
      [1, "1"],
      4,
      { q: 1 },
      12,
      { a: 2 },
      3,
      3,
      9,
      5,
      7,
      { q: "inner" },
    ]);
  });

  test("respelling keeps type errors at their place in the cell as written", () => {
    const r = respellPropertyNames("({ q, zz })");
    assert.equal(r.code, "({ q: q, zz: zz })");
    assert.equal(r.toOriginal(r.code.indexOf("zz: zz") + 4), "({ q, ".length);
    const compiler = new CellCompiler();
    try {
      const cell = compiler.compile("const q = 1;\nconst o = { q, zz };");
      assert.ok("diagnostics" in cell);
      const [d] = cell.diagnostics;
      assert.match(d.messageText, /zz/);
      assert.deepEqual([d.start.line, d.start.character], [1, "const o = { q, ".length]);
    } finally {
      compiler.close();
    }
  });
});

describe("the call a cursor is in (inspect inside arguments)", () => {
  test("finds the innermost call or new whose argument list holds the cursor", () => {
    const at = (code: string, cursor = code.length) => {
      const p = calleeAt(code, cursor);
      return p === null ? null : code.slice(p).match(/^\w+/)?.[0];
    };
    assert.equal(at("F.conv2d(x, "), "conv2d");
    assert.equal(at("F.conv2d("), "conv2d");
    assert.equal(at("new nn.Conv2d(1, "), "Conv2d");
    assert.equal(at("Math.max(1, Math.abs("), "abs");
    assert.equal(at("Math.max(1, Math.abs(2), "), "max");
    assert.equal(at("f(a, b)", "f(a, ".length), "f");
    assert.equal(at("f(a, b)"), null); // after the closing parenthesis
    assert.equal(at("1 + "), null);
  });
});
