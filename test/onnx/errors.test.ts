// Bad input to the onnx API, through the public API and a running kernel: malformed, truncated,
// empty and non-ONNX files, external weights (found, missing), wrong input shapes, dtypes, ranks
// and names. Each error names the file or input, what was expected and what was given; the
// kernel stays up after them.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import {
  F,
  models,
  noGrad,
  onnx,
  ReceptiveError,
  randn,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import { expectClose } from "../helpers";
import { python, root, tempDir } from "./helpers";

const dir = tempDir("onnx-errors");
python("make_bad_models.py", [dir]);
const good = join(dir, "lenet.onnx");

const isError = (pattern: RegExp) => (e: Error) => {
  assert.ok(e instanceof ReceptiveError, `a ReceptiveError, got ${e}`);
  assert.match(e.message, pattern);
  return true;
};

describe("onnx: bad files", async () => {
  await onnx.exportModel(models.lenet5(), randn([1, 1, 28, 28]), good);
  const bytes = readFileSync(good);
  const files: [string, Uint8Array | null, RegExp][] = [
    ["empty.onnx", new Uint8Array(0), /"[^"]*empty\.onnx" is empty \(0 bytes\): expected an ONNX model/],
    [
      "truncated.onnx",
      bytes.subarray(0, bytes.length >> 1),
      /"[^"]*truncated\.onnx" is truncated: its \d+ bytes end in the middle of the model/,
    ],
    [
      "garbage.onnx",
      Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 256),
      /"[^"]*garbage\.onnx" is not a readable ONNX file \(300 bytes, starting 0d fc/,
    ],
    [
      "notes.onnx",
      new TextEncoder().encode("these are my notes, not a model\n"),
      /"[^"]*notes\.onnx" is a text file, not an ONNX model/,
    ],
    ["config.onnx", new TextEncoder().encode('{"model": "resnet"}'), /is a JSON file, not an ONNX model/],
    [
      "photo.onnx",
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0),
      /is a PNG image, not an ONNX model/,
    ],
    [
      "checkpoint.onnx",
      Uint8Array.of(0x50, 0x4b, 3, 4, 20, 0, 0, 0),
      /is a zip archive .*: export the model with torch\.onnx\.export/,
    ],
    ["tensor_not_model.pb", null, /is not a readable ONNX file \(232 bytes, starting 08 02/],
    [
      "no_graph.onnx",
      null,
      /is not an ONNX model: it decodes as protobuf but has no ir_version, no graph, no opset_import/,
    ],
  ];
  for (const [name, content] of files) if (content !== null) writeFileSync(join(dir, name), content);

  for (const [name, , pattern] of files) {
    it(`${name}: importModel and InferenceSession.create say what is wrong with it`, async () => {
      const loaders: [string, (p: string) => Promise<unknown>][] = [
        ["onnx.importModel", onnx.importModel],
        ["onnx.InferenceSession.create", (p) => onnx.InferenceSession.create(p)],
      ];
      for (const [op, load] of loaders)
        await assert.rejects(load(join(dir, name)), (e: Error) => {
          assert.ok(e instanceof ReceptiveError, String(e));
          assert.ok(e.message.startsWith(`${op}: "${join(dir, name)}" `), e.message);
          assert.match(e.message, pattern);
          return true;
        });
    });
  }

  it("names bytes as the model bytes, and a missing file by its path", async () => {
    await assert.rejects(onnx.importModel(new Uint8Array(0)), isError(/the model bytes is empty/));
    await assert.rejects(
      onnx.importModel(join(dir, "nope.onnx")),
      isError(/no file ".*nope\.onnx" \(looked at /),
    );
    await assert.rejects(
      onnx.InferenceSession.create(join(dir, "nope.onnx")),
      isError(/no file ".*nope\.onnx"/),
    );
    await assert.rejects(onnx.importModel(dir), isError(/is a folder, not an ONNX file/));
  });

  it("reads weights kept in an external file next to the model, and names it when it is missing", async () => {
    const x = randn([1, 3, 6, 6]);
    const net = await onnx.importModel(join(dir, "external", "model.onnx"));
    const ort = await (await onnx.InferenceSession.create(join(dir, "external", "model.onnx"))).run(x);
    expectClose((noGrad(() => net.forward(x)) as Tensor).data, ort.data, "external weights");
    await assert.rejects(
      onnx.importModel(join(dir, "missing", "model.onnx")),
      isError(
        /tensor "W" keeps its data in "weights\.bin", which is not in .*missing; copy that file next to the model/,
      ),
    );
    await assert.rejects(
      onnx.importModel(readFileSync(join(dir, "external", "model.onnx"))),
      isError(/load the model from its file path/),
    );
  });

  it("widens float16 weights to float32", async () => {
    const x = randn([1, 3, 6, 6]);
    const net = await onnx.importModel(join(dir, "float16.onnx"));
    const ort = await (await onnx.InferenceSession.create(join(dir, "float16.onnx"))).run(x);
    expectClose((noGrad(() => net.forward(x)) as Tensor).data, ort.data, "float16 weights");
  });
});

describe("onnx: bad inputs", () => {
  const dynamic = () => join(dir, "dynamic.onnx");
  const cases: [string, unknown[], RegExp][] = [
    [
      "a wrong rank with dynamic dims",
      [randn([3, 6, 6])],
      /input "x" expects rank 4 \[batch, 3, height, width\], given rank 3 with shape \[3, 6, 6\]/,
    ],
    [
      "a wrong fixed dim",
      [randn([1, 4, 6, 6])],
      /input "x" expects shape \[batch, 3, height, width\], given \[1, 4, 6, 6\] \(dim 1 is 4, expected 3\)/,
    ],
    [
      "integers for a float input",
      [
        tensor([[[[1]]]])
          .long()
          .expand(1, 3, 2, 2),
      ],
      /input "x" expects float(32)? values, given a int64 tensor; convert it with \.float\(\)/,
    ],
    ["not a tensor", [[1, 2, 3]], /input "x" must be a Tensor, got an array/],
  ];

  for (const [what, args, pattern] of cases)
    it(`${what}: the session and the imported module name the input, expected and given`, async () => {
      const session = await onnx.InferenceSession.create(dynamic());
      await assert.rejects(session.run(args[0] as Tensor), isError(pattern));
      const net = await onnx.importModel(dynamic());
      assert.throws(() => net.forward(...(args as Tensor[])), isError(pattern));
    });

  it("missing, unknown and extra inputs", async () => {
    const session = await onnx.InferenceSession.create(dynamic());
    await assert.rejects(
      session.run({ image: randn([1, 3, 6, 6]) }),
      isError(/expects inputs "x"; missing "x"; no input named "image"/),
    );
    const net = await onnx.importModel(dynamic());
    assert.throws(
      () => net.forward(randn([1, 3, 6, 6]), randn([1])),
      isError(/takes 1 input \("x"\), given 2/),
    );
    assert.throws(() => net.forward(), isError(/takes 1 input \("x"\), given 0/));
  });

  it("a compiled module given the wrong channels says so, as the engine does", async () => {
    const fast = await onnx.compile(models.lenet5());
    await assert.rejects(
      fast.forward(randn([1, 3, 28, 28])),
      isError(/conv2d: weight expects 1 input channel/),
    );
    F.relu(randn([2])); // the engine is fine afterwards
  });
});

describe("onnx: the kernel lives on", () => {
  it("reports a bad file as a cell error and runs the next cell", async () => {
    const cwd = tempDir("onnx-kernel");
    copyFileSync(join(dir, "notes.onnx"), join(cwd, "notes.onnx"));
    const proc = spawn(
      process.execPath,
      [...KERNEL_NODE_FLAGS, join(root, "dist", "kernel", "cli.js"), "kernel", "stdio"],
      { cwd },
    );
    const replies = new Map<
      number,
      (m: { status: string; error?: { evalue: string }; result?: Record<string, unknown> }) => void
    >();
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const m = JSON.parse(line);
      if (m.type === "execute_reply") replies.get(m.id)?.(m);
    });
    let id = 0;
    const execute = (code: string) =>
      new Promise<{ status: string; error?: { evalue: string }; result?: Record<string, unknown> }>(
        (resolve) => {
          replies.set(++id, resolve);
          proc.stdin.write(`${JSON.stringify({ id, type: "execute", code })}\n`);
        },
      );
    try {
      const bad = await execute('import { onnx } from "receptive";\nawait onnx.importModel("notes.onnx");');
      assert.equal(bad.status, "error");
      assert.match(bad.error!.evalue, /"notes\.onnx" is a text file, not an ONNX model/);
      const next = await execute("6 * 7");
      assert.equal(next.status, "ok");
      assert.equal(next.result?.["text/plain"], "42");
    } finally {
      proc.kill();
    }
  });
});
