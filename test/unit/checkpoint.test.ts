// Checkpoints: save/load round trips (model, batch-norm buffers, optimizer state for resuming),
// the safetensors bytes themselves, files written by a hand-rolled Python writer, PyTorch
// reading our files (a hand parser in test/golden/models/read_checkpoint.py loads them into the
// same architecture with strict load_state_dict), atomic writes, and corrupt or truncated files.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  F,
  load,
  manualSeed,
  models,
  noGrad,
  optim,
  ReceptiveError,
  randint,
  randn,
  save,
  type Tensor,
} from "../../kernel/engine/index";
import { writeAtomic } from "../../kernel/engine/nn/checkpoint";
import { decodeSafetensors, encodeSafetensors } from "../../kernel/engine/nn/safetensors";
import { expectClose, requirePython } from "../helpers";

const golden = join(__dirname, "..", "..", "..", "test", "golden", "models");
const dir = mkdtempSync(join(tmpdir(), "receptive-ckpt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function header(file: string): { n: number; json: Record<string, any>; bytes: Buffer } {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return { n, json: JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")), bytes };
}

function trainStep(net: ReturnType<typeof models.lenet5>, opt: optim.Adam, seed: number): void {
  manualSeed(seed);
  const x = randn([4, 1, 28, 28]);
  const y = randint(0, 10, [4]);
  opt.zeroGrad();
  F.crossEntropy(net.forward(x), y).backward();
  opt.step();
}

describe("checkpoint: save and load", () => {
  it("a model and its Adam state resume exactly where they stopped", () => {
    manualSeed(1);
    const net = models.lenet5();
    const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
    trainStep(net, opt, 10);
    trainStep(net, opt, 11);
    const file = join(dir, "lenet.safetensors");
    save(net, file, { optimizer: opt, metadata: { epoch: "2" } });

    manualSeed(2);
    const resumed = models.lenet5();
    const opt2 = new optim.Adam(resumed.parameters(), { lr: 5 });
    const ck = load(file, { model: resumed, optimizer: opt2 });
    assert.equal(ck.metadata.epoch, "2");
    assert.equal(ck.metadata.format, "pt");
    assert.equal(opt2.paramGroups[0].lr, 1e-3);
    // one more step on both: identical parameters (Adam's moments and step count were restored)
    trainStep(net, opt, 12);
    trainStep(resumed, opt2, 12);
    const a = net.stateDict() as Record<string, Tensor>;
    const b = resumed.stateDict() as Record<string, Tensor>;
    for (const k of Object.keys(a)) expectClose(b[k].data, a[k].data, k, { atol: 0, rtol: 0 });
    assert.equal(ck.optimizer?.state[0].step, 2);
  });

  it("batch-norm buffers are written with PyTorch's names and dtypes and come back as ours", () => {
    manualSeed(3);
    const net = models.resnet18({ numClasses: 10, cifar: true, width: 8 });
    noGrad(() => net.forward(randn([2, 3, 32, 32]))); // training mode: running stats move
    const file = join(dir, "resnet.safetensors");
    save(net, file);
    const { json } = header(file);
    assert.deepEqual(json["bn1.running_mean"].shape, [8]);
    assert.equal(json["bn1.num_batches_tracked"].dtype, "I64");
    assert.deepEqual(json["bn1.num_batches_tracked"].shape, []);
    assert.equal(json["layer1.0.conv1.weight"].dtype, "F32");
    assert.equal(json["bn1.runningMean"], undefined);
    const ck = load(file);
    const sd = net.stateDict() as Record<string, Tensor>;
    assert.deepEqual(Object.keys(ck.stateDict), Object.keys(sd));
    for (const [k, v] of Object.entries(sd)) {
      assert.equal(ck.stateDict[k].dtype, v.dtype, k);
      expectClose(ck.stateDict[k].data, v.data, k, { atol: 0, rtol: 0 });
    }
    assert.equal(ck.stateDict["bn1.numBatchesTracked"].item(), 1);
    assert.equal(ck.optimizer, null);
    assert.throws(
      () => load(file, { optimizer: new optim.SGD(net.parameters(), { lr: 0.1 }) }),
      /holds no optimizer state/,
    );
  });

  it("the file is valid safetensors, byte by byte", () => {
    const net = models.tinyVGG();
    const file = join(dir, "tiny.safetensors");
    save(net, file);
    const { n, json, bytes } = header(file);
    assert.equal(n % 8, 0, "data starts 8-byte aligned");
    assert.equal(bytes[8], "{".charCodeAt(0));
    assert.equal(json.__metadata__.format, "pt");
    const names = Object.keys(json).filter((k) => k !== "__metadata__");
    assert.deepEqual(names, Object.keys(net.stateDict()));
    let at = 0;
    for (const k of names) {
      const e = json[k];
      assert.equal(e.data_offsets[0], at, `${k} starts where the previous ended`);
      at = e.data_offsets[1];
      assert.equal(at - e.data_offsets[0], 4 * e.shape.reduce((a: number, b: number) => a * b, 1));
    }
    assert.equal(bytes.length, 8 + n + at);
    const w = net.stateDict()["features.0.weight"];
    const off = 8 + n + json["features.0.weight"].data_offsets[0];
    assert.equal(bytes.readFloatLE(off + 4 * 7), w.data[7]);
  });

  it("reads files written by PyTorch (hand-rolled writer): dtypes, a scalar, an empty tensor", () => {
    const ck = load(join(golden, "dtypes.safetensors"));
    assert.equal(ck.metadata.written_by, "make_model_goldens.py");
    const sd = ck.stateDict;
    assert.deepEqual(Object.keys(sd), ["f32", "i64", "flags", "scalar", "empty"]);
    assert.deepEqual([...sd.f32.shape], [2, 3]);
    assert.deepEqual(
      sd.f32.data,
      Float32Array.from([1.5, -2.25, 3.0e-8, Number.POSITIVE_INFINITY, -0, 65504]),
    );
    assert.ok(Object.is(sd.f32.data[4], -0));
    assert.equal(sd.i64.dtype, "int64");
    assert.deepEqual([...sd.i64.data], [0, -1, 2 ** 40, 7]);
    assert.equal(sd.flags.dtype, "bool");
    assert.deepEqual([...sd.flags.data], [1, 0, 1]);
    assert.deepEqual([...sd.scalar.shape], []);
    assert.equal(sd.scalar.item(), 3.25);
    assert.deepEqual([...sd.empty.shape], [0, 4]);
    // A PyTorch state dict loads straight into our model (snake_case names would map to camelCase).
    const net = models.lenet5();
    load(join(golden, "lenet5.safetensors"), { model: net });
  });

  it("a PyTorch state dict with snake_case buffer names loads into our model", () => {
    manualSeed(4);
    const net = models.resnet18({ numClasses: 10, cifar: true, width: 4 });
    noGrad(() => net.forward(randn([2, 3, 32, 32])));
    const sd = net.stateDict() as Record<string, Tensor>;
    // What a PyTorch user's writer produces: torch names, no receptive metadata.
    const torchNames = Object.entries(sd).map(
      ([k, v]) =>
        [
          k
            .replace(/running([MV])/, (_, c: string) => `running_${c.toLowerCase()}`)
            .replace("numBatchesTracked", "num_batches_tracked"),
          v,
        ] as const,
    );
    assert.ok(torchNames.some(([k]) => k === "layer1.0.bn1.running_var"));
    const file = join(dir, "from-torch.safetensors");
    writeAtomic(file, encodeSafetensors(torchNames, { format: "pt" }));
    const fresh = models.resnet18({ numClasses: 10, cifar: true, width: 4 });
    load(file, { model: fresh });
    for (const [k, v] of Object.entries(fresh.stateDict() as Record<string, Tensor>))
      expectClose(v.data, sd[k].data, k, { atol: 0, rtol: 0 });
  });

  it("decodes half and bfloat16 and round-trips our own encoder", () => {
    const hdr = JSON.stringify({
      h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
      b: { dtype: "BF16", shape: [2], data_offsets: [6, 10] },
    });
    const body = Buffer.alloc(10);
    // F16 1, -2, inf; BF16 1.5, -1
    for (const [i, v] of [0x3c00, 0xc000, 0x7c00, 0x3fc0, 0xbf80].entries()) body.writeUInt16LE(v, 2 * i);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hdr.length));
    const { tensors } = decodeSafetensors(Buffer.concat([len, Buffer.from(hdr), body]));
    assert.deepEqual([...tensors[0][1].data], [1, -2, Number.POSITIVE_INFINITY]);
    assert.deepEqual([...tensors[1][1].data], [1.5, -1]);
    const t = randn([3, 2]);
    const again = decodeSafetensors(Buffer.concat([...encodeSafetensors([["t", t]], { a: "b" })]));
    assert.deepEqual(again.metadata, { a: "b" });
    assert.deepEqual(again.tensors[0][1].data, t.data);
  });
});

describe("checkpoint: PyTorch reads our files", () => {
  before(() => requirePython({ torch: "python3-torch", torchvision: "python3-torchvision" }));
  for (const [name, build, shape] of [
    ["lenet5", () => models.lenet5(), [3, 1, 28, 28]],
    ["resnet18-cifar-8", () => models.resnet18({ numClasses: 10, cifar: true, width: 8 }), [2, 3, 32, 32]],
  ] as const)
    it(`${name}: strict load_state_dict and the same outputs`, () => {
      manualSeed(5);
      const net = build();
      noGrad(() => net.forward(randn([...shape]))); // move batch-norm statistics away from 0 / 1
      net.eval();
      const x = randn([...shape]);
      const ours = noGrad(() => net.forward(x)) as Tensor;
      const ckpt = join(dir, `${name}.safetensors`);
      const input = join(dir, `${name}-input.safetensors`);
      const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
      save(net, ckpt, { optimizer: opt });
      writeAtomic(input, encodeSafetensors([["input", x]]));
      const r = spawnSync("/usr/bin/python3", [join(golden, "read_checkpoint.py"), ckpt, input, name], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        output: number[];
        shape: number[];
        keys: Record<string, [string, number[]]>;
      };
      assert.deepEqual(out.shape, [...ours.shape]);
      expectClose(out.output, ours.data, `${name} PyTorch output`);
      if (name !== "lenet5") assert.deepEqual(out.keys["bn1.num_batches_tracked"], ["torch.int64", []]);
    });
});

describe("checkpoint: atomic writes and damaged files", () => {
  const leftovers = () => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

  it("a write that fails half-way leaves no file, and never a truncated one over an old checkpoint", () => {
    const file = join(dir, "atomic.safetensors");
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array(1024).fill(7);
      throw new Error("disk full");
    }
    assert.throws(() => writeAtomic(file, failing()), /disk full/);
    assert.throws(() => readFileSync(file), /ENOENT/);
    assert.deepEqual(leftovers(), []);
    save(models.tinyVGG(), file);
    const before = readFileSync(file);
    assert.throws(() => writeAtomic(file, failing()), /disk full/);
    assert.deepEqual(readFileSync(file), before);
    assert.deepEqual(leftovers(), []);
    load(file, { model: models.tinyVGG() });
  });

  it("bad arguments fail before anything is written", () => {
    const file = join(dir, "bad.safetensors");
    assert.throws(() => save({ w: [1, 2] as unknown as Tensor }, file), /"w" is not a Tensor/);
    assert.throws(
      () => save(models.tinyVGG(), file, { metadata: { epoch: 3 as unknown as string } }),
      /must be a string/,
    );
    assert.throws(() => readFileSync(file), /ENOENT/);
    assert.throws(() => load(join(dir, "missing.safetensors")), /load: cannot read .*missing\.safetensors/);
    assert.throws(
      () => save(models.tinyVGG(), join(dir, "no", "such", "dir.safetensors")),
      /save: cannot write .*dir\.safetensors: ENOENT/,
    );
  });

  it("truncated and corrupt files are clear errors, never silently used", () => {
    const good = join(dir, "good.safetensors");
    save(models.lenet5(), good);
    const bytes = readFileSync(good);
    const n = Number(bytes.readBigUInt64LE(0));
    const cases: [string, Buffer, RegExp][] = [
      ["5 bytes", bytes.subarray(0, 5), /truncated: 5 bytes/],
      ["half a header", bytes.subarray(0, 8 + n / 2), /truncated: the header needs/],
      [
        "half the data",
        bytes.subarray(0, 8 + n + 1000),
        /truncated: tensor "features.3.weight" ends at byte 10224 of the data, but the file holds only 1000 data bytes/,
      ],
      ["one byte short", bytes.subarray(0, bytes.length - 1), /truncated: tensor "classifier.4.bias"/],
      [
        "one byte extra",
        Buffer.concat([bytes, Buffer.from([0])]),
        /corrupt: 1 bytes of data after the last tensor/,
      ],
      [
        "not safetensors",
        Buffer.from("PK\x03\x04 this is a zip file, not a checkpoint"),
        /corrupt: header length/,
      ],
      [
        "garbled header",
        Buffer.concat([bytes.subarray(0, 8), Buffer.alloc(n, 0x7b), bytes.subarray(8 + n)]),
        /corrupt: the header is not valid UTF-8 JSON/,
      ],
    ];
    for (const [what, data, message] of cases) {
      const file = join(dir, "damaged.safetensors");
      writeFileSync(file, data);
      assert.throws(
        () => load(file),
        (e: unknown) => e instanceof ReceptiveError && message.test(e.message) && e.message.includes(file),
        what,
      );
    }
    const file = join(dir, "cut.safetensors");
    writeFileSync(file, bytes);
    truncateSync(file, bytes.length - 4);
    assert.throws(() => load(file, { model: models.lenet5() }), /truncated/);
  });

  it("inconsistent offsets and unknown dtypes are reported per tensor", () => {
    const make = (h: object, dataLen: number) => {
      const json = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, json, Buffer.alloc(dataLen)]);
    };
    assert.throws(
      () => decodeSafetensors(make({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 4)),
      /tensor "a" \(F32 \[2\]\) needs 8 bytes, its offsets span 4/,
    );
    assert.throws(
      () => decodeSafetensors(make({ a: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, 8)),
      /tensor "a" has dtype "C64"; supported: F32/,
    );
    assert.throws(
      () =>
        decodeSafetensors(
          make(
            {
              a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
              b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
            },
            12,
          ),
        ),
      /hole at byte 4/,
    );
  });
});
