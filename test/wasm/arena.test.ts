// The arena's resident buffers (arena.ts): they live in wasm memory for good, kernels use them in
// place (no copy in, no copy out), later calls and memory growth leave them intact, and kernels
// reading or writing them give ref's results.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import "../../kernel/engine/backends/ref/elementwise"; // registers the ref kernels compared with
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { wasmKernels } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { expectMatchesRef, f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();

if (runtime instanceof Error) throw runtime;
const { arena } = runtime;
setBackend("wasm");

describe("wasm arena resident buffers", () => {
  it("are used where they are: put returns their address, get into them is skipped", () => {
    const r = arena.resident(1000);
    r.set(f32Random(1000, 1));
    arena.begin();
    const at = arena.put(r);
    assert.equal(at, r.byteOffset);
    assert.equal(arena.target(r), r.byteOffset);
    assert.equal(arena.put(r.subarray(10, 20)), r.byteOffset + 40);
    const plain = new Float32Array(1000);
    assert.equal(arena.addressOf(plain), -1);
    assert.notEqual(arena.put(plain), -1);
    arena.get(at, r); // in place: nothing to copy
    const out = new Float32Array(1000);
    arena.get(at, out);
    assert.deepEqual(out, r.slice());
  });

  it("survive later kernel calls and memory growth", () => {
    const r = arena.resident(4096);
    const values = f32Random(4096, 2);
    r.set(values);
    const before = arena.capacity;
    // A call far bigger than anything before: the scratch space grows above the resident buffers.
    const n = before / 4 + 1024;
    const x = f32Random(n, 3);
    const y = new Float32Array(n);
    wasmKernels()!.unaryForward("relu", y, x);
    assert.ok(arena.capacity > before);
    assert.deepEqual(r.slice(), values);
    assert.equal(arena.addressOf(r), r.byteOffset);
  });

  it("give ref's results as inputs and outputs of kernels", () => {
    const n = 5003;
    const x = f32Random(n, 4);
    const dout = arena.resident(n);
    dout.set(f32Random(n, 5));
    const dx = arena.resident(n);
    wasmKernels()!.unaryBackward("relu", dx, x, x, dout);
    const expected = new Float32Array(n);
    refKernel("unaryBackward")("relu", expected, x, x, dout.slice());
    expectMatchesRef(dx.slice(), expected, "unaryBackward into a resident dx");
    // dx written over dout (ops/elementwise.ts does this), resident and ordinary.
    for (const inPlace of [arena.resident(n), new Float32Array(n)]) {
      inPlace.set(dout);
      wasmKernels()!.unaryBackward("relu", inPlace, x, x, inPlace);
      expectMatchesRef(inPlace.slice(), expected, "unaryBackward with dx = dout");
    }
    // a += b in place on a resident a (gradient accumulation).
    const a = arena.resident(n);
    a.set(f32Random(n, 6));
    const sum = new Float32Array(n);
    refKernel("binaryForward")("add", sum, a.slice(), dout.slice(), [n], [1], [1]);
    wasmKernels()!.binaryForward("add", a, a, dout, [n], [1], [1]);
    expectMatchesRef(a.slice(), sum, "a += b on a resident a");
  });
});
