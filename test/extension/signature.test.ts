// Signature help's pure parts (extension/src/signature.ts): which call the cursor is in and on which
// argument, the signature's parameters out of the kernel's inspect text, and hover text worth showing.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hoverText, openCall, signatureParts } from "../../extension/src/signature";

describe("signature help", () => {
  test("the call around the cursor and the argument it is on", () => {
    const at = (code: string) => openCall(code, code.length);
    assert.deepEqual(at("F.conv2d("), { callee: 7, argument: 0 });
    assert.deepEqual(at("F.conv2d(x, "), { callee: 7, argument: 1 });
    assert.deepEqual(at("F.conv2d(x, w, { stride: 2, padding: "), { callee: 7, argument: 2 });
    assert.deepEqual(at('t.reshape([2, 3], "a, b", '), { callee: 8, argument: 2 });
    assert.deepEqual(at("f(g(1, 2), "), { callee: 0, argument: 1 });
    assert.deepEqual(at("f(g(1, "), { callee: 2, argument: 1 });
    assert.equal(at("(1 + "), null, "a parenthesised expression is no call");
    assert.equal(at("if (x"), null);
    assert.equal(at("f(1); g"), null);
    assert.equal(at('f("unclosed, '), null);
  });

  test("parameters out of the kernel's inspect text", () => {
    const conv = signatureParts(
      "function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | F.Conv2dOptions, options?: F.Conv2dOptions): Tensor\n\n2-D convolution.",
    );
    assert.ok(conv);
    assert.equal(conv.documentation, "2-D convolution.");
    assert.deepEqual(
      conv.parameters.map(([s, e]) => conv.label.slice(s, e)),
      ["input: Tensor", "weight: Tensor", "bias?: Tensor | F.Conv2dOptions", "options?: F.Conv2dOptions"],
    );
    const method = signatureParts(
      "(method) Tensor.reshape(...shape: (number | readonly number[])[]): Tensor",
    );
    assert.ok(method);
    assert.deepEqual(
      method.parameters.map(([s, e]) => method.label.slice(s, e)),
      ["...shape: (number | readonly number[])[]"],
    );
    const alias = signatureParts(
      "(alias) randn(shape: Shape, options?: RandomOptions): Tensor\nimport randn\n\nNormal samples.",
    );
    assert.equal(alias?.label, "randn(shape: Shape, options?: RandomOptions): Tensor");
    const arrow = signatureParts("noGrad<T>(fn: () => T): T");
    assert.deepEqual(
      arrow?.parameters.map(([s, e]) => arrow.label.slice(s, e)),
      ["fn: () => T"],
    );
    assert.equal(signatureParts("const q: 1"), null);
  });

  test("a bare 'any' is no hover", () => {
    assert.equal(hoverText("any"), "");
    assert.equal(hoverText("const q: 1"), "const q: 1");
  });
});
