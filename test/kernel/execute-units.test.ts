// Pieces of the execution core that need no kernel: Jupyter message signing, mapping compiled
// positions back to the cell, finding a cell's imports, resolving ESM-only packages, cursors.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { hasTopLevelForAwait } from "../../kernel/server/execute/cell-compiler";
import { mapToCell } from "../../kernel/server/execute/error-location";
import { importedSpecifiers, resolveEsm } from "../../kernel/server/execute/module-loader";
import { codePointsToUtf16, utf16ToCodePoints } from "../../kernel/server/jupyter/cursor";
import { decode, encode, makeHeader, Signer } from "../../kernel/server/jupyter/wire";

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
