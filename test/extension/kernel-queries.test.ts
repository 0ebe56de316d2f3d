// The extension's kernel queries (extension/src/kernel-queries.ts) and the activation explorer's
// message handling (panel-service.ts) against the real kernel: model and dataset variables are
// found, a layer's feature maps and filters come back as image-grid payloads whose numbers equal
// the engine's own conv2d, training mode is restored, a query leaves no names in the user's scope,
// and mistakes give errors that say what to do. Plus the renderer's featureMaps forwarding.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KernelClient, type KernelMessage } from "../../extension/src/kernel-client";
import { kernelLaunch } from "../../extension/src/kernel-launch";
import { queryBackend, queryExplore, queryVariables } from "../../extension/src/kernel-queries";
import { answerPanelMessage } from "../../extension/src/panel-service";
import { answerRendererMessage } from "../../extension/src/renderer-bridge";
import { encodePng } from "../../kernel/display/png";
import { F, tensor } from "../../kernel/engine/index";
import { decodeNumeric } from "../../webviews/lib/packed";

const SETUP = `import { nn, tensor, data } from "receptive";
const net = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten());
(net.get(0) as any).weight.storage.set([1, 0, -1, 1, 0, -1, 1, 0, -1, 1, 1, 1, 0, 0, 0, -1, -1, -1]);
(net.get(0) as any).bias.storage.fill(0);
const img = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const images = tensor([[img], [img.map((r) => r.map((v) => 10 - v))]]);
const ds = new data.TensorDataset(images, tensor([0, 1]));
const notAModel = 3;
const lossFn = new nn.CrossEntropyLoss();
class Labelled extends data.Dataset<any> {
  readonly classes = ["light left", "dark left"];
  get length() { return 2; }
  get(i: number) { return [images.get(i), i]; }
}
const labelled = new Labelled();`;

const sampleImage = [
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
];

describe("kernel queries", () => {
  let client: KernelClient;
  before(async () => {
    client = new KernelClient(
      kernelLaunch({
        cliPath: join(__dirname, "..", "..", "kernel", "cli.js"),
        cwd: mkdtempSync(join(tmpdir(), "rcp-q-")),
      }),
    );
    const setup = await client.execute(SETUP);
    assert.equal(setup.status, "ok", JSON.stringify(setup.error));
  });
  after(() => client.shutdown());

  test("the backend", async () => {
    const b = await queryBackend(client);
    assert.ok(["wasm", "ref"].includes(b.name));
    assert.ok(b.description.length > 0);
    // ONNX Runtime's provider: the CPU here (no GPU, no CUDA binaries), with why not CUDA.
    const ort = b.onnxRuntime!;
    assert.deepEqual(
      { available: ort.available, provider: ort.provider, description: ort.description },
      { available: true, provider: "cpu", description: "CPU" },
    );
    assert.match(ort.version ?? "", /^\d+\.\d+\.\d+$/);
    assert.equal(ort.notes.length, 1);
    assert.match(
      ort.notes[0],
      /^CUDA: (onnxruntime-node was installed without its CUDA binaries|no NVIDIA GPU driver)/,
    );
  });

  test("model variables with their layers, and the dataset and 4-D tensor variables", async () => {
    const v = await queryVariables(client);
    assert.deepEqual(v.models, [
      {
        name: "net",
        type: "Sequential",
        layers: [
          { name: "0", type: "Conv2d", filters: true },
          { name: "1", type: "ReLU", filters: false },
          { name: "2", type: "Flatten", filters: false },
        ],
      },
    ]);
    assert.deepEqual(
      [...v.inputs].sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: "ds", kind: "dataset", length: 2 },
        { name: "images", kind: "tensor", length: 2 },
        { name: "labelled", kind: "dataset", length: 2 },
      ],
    );
    // lossFn (an nn.Module without parameters) is not offered as a model.
  });

  test("captions: the sample's number and class; titles say 'layer 0 (Conv2d)', not '0 filters'", async () => {
    const r = await queryExplore(client, {
      model: "net",
      layer: "0",
      input: { kind: "dataset", name: "labelled", index: 1 },
    });
    assert.deepEqual(r.input.tileLabels, ["sample 1 · dark left"]);
    assert.equal(r.featureMaps.title, "layer 0 (Conv2d): feature maps");
    assert.equal(r.filters?.title, "layer 0 (Conv2d): filters");
    const plain = await queryExplore(client, {
      model: "net",
      layer: "1",
      input: { kind: "dataset", name: "ds", index: 1 },
    });
    assert.deepEqual(plain.input.tileLabels, ["sample 1 · class 1"]);
  });

  test("a conv layer's feature maps and filters equal the engine's conv2d, in eval mode, leaving no names behind", async () => {
    await client.execute("net.train();");
    const r = await queryExplore(client, {
      model: "net",
      layer: "0",
      input: { kind: "dataset", name: "ds", index: 0 },
    });
    const w = tensor([
      [
        [
          [1, 0, -1],
          [1, 0, -1],
          [1, 0, -1],
        ],
      ],
      [
        [
          [1, 1, 1],
          [0, 0, 0],
          [-1, -1, -1],
        ],
      ],
    ]);
    const expected = F.conv2d(tensor([[sampleImage]]), w); // (1, 2, 4, 4)
    assert.deepEqual(r.featureMaps.shape, [2, 1, 4, 4]);
    assert.deepEqual([...decodeNumeric(r.featureMaps.data, 32, "maps")], [...expected.data]);
    assert.deepEqual(r.filterShape, [2, 1]);
    assert.deepEqual(r.filters?.shape, [2, 1, 3, 3]);
    assert.deepEqual([...decodeNumeric(r.filters!.data, 18, "filters")], [...w.data]);
    assert.deepEqual(r.input.shape, [1, 1, 6, 6]);
    assert.equal(
      (await client.execute("net.training && net.get(0).training")).result?.["text/plain"],
      "true",
    );
    const names = await client.execute("__receptiveValue");
    assert.match(names.error?.evalue ?? "", /Cannot find name '__receptiveValue'/);
  });

  test("a sample of a tensor variable, and an image file resized to the given size", async () => {
    const second = await queryExplore(client, {
      model: "net",
      layer: "1",
      input: { kind: "tensor", name: "images", index: 1 },
    });
    assert.deepEqual(second.featureMaps.shape, [2, 1, 4, 4]);
    assert.equal(second.filters, undefined, "ReLU has no filters");
    const dir = mkdtempSync(join(tmpdir(), "rcp-img-"));
    const path = join(dir, "grey.png");
    const rgba = new Uint8Array(12 * 12 * 4).fill(255);
    writeFileSync(path, encodePng(12, 12, rgba));
    const fromFile = await queryExplore(client, {
      model: "net",
      layer: "0",
      input: { kind: "file", path, size: 6 },
    });
    assert.deepEqual(fromFile.input.shape, [1, 1, 6, 6]);
    assert.deepEqual(fromFile.featureMaps.shape, [2, 1, 4, 4]);
    // A flat white image has no edges: every feature map value is 0.
    assert.ok([...decodeNumeric(fromFile.featureMaps.data, 32, "maps")].every((x) => Math.abs(x) < 1e-6));
  });

  test("mistakes say what is wrong and what to do", async () => {
    await assert.rejects(
      queryExplore(client, {
        model: "notAModel",
        layer: "0",
        input: { kind: "dataset", name: "ds", index: 0 },
      }),
      /'notAModel' is not an nn\.Module variable; run the cell that defines it/,
    );
    await assert.rejects(
      queryExplore(client, {
        model: "net",
        layer: "features.9",
        input: { kind: "dataset", name: "ds", index: 0 },
      }),
      /net has no layer 'features\.9'; pick one of 0, 1, 2/,
    );
  });

  test("the panel's messages: variables, explore (with its ticket), errors without a kernel", async () => {
    const ctx = { client, notebook: "lesson.ipynb", pickImage: async () => "/tmp/x.png" };
    const vars = await answerPanelMessage(ctx, { type: "ready" });
    assert.equal(vars?.type, "variables");
    assert.equal(vars?.type === "variables" && vars.models[0]?.name, "net");
    const explored = await answerPanelMessage(ctx, {
      type: "explore",
      ticket: 7,
      request: { model: "net", layer: "0", input: { kind: "dataset", name: "ds", index: 1 } },
    });
    assert.ok(explored?.type === "explored" && explored.ticket === 7 && explored.result?.featureMaps);
    const failed = await answerPanelMessage(ctx, {
      type: "explore",
      ticket: 8,
      request: { model: "nope", layer: "0", input: { kind: "dataset", name: "ds", index: 0 } },
    });
    assert.ok(failed?.type === "explored" && /not an nn\.Module/.test(failed.error ?? ""));
    assert.deepEqual(await answerPanelMessage(ctx, { type: "pickImage" }), {
      type: "imagePicked",
      path: "/tmp/x.png",
    });
    const none = await answerPanelMessage(
      { client: undefined, pickImage: async () => undefined },
      { type: "refresh" },
    );
    assert.ok(none?.type === "variables" && /No Receptive kernel is running/.test(none.error ?? ""));
  });
});

describe("renderer messaging: featureMaps", () => {
  const fake = (reply: KernelMessage) => {
    const sent: unknown[] = [];
    return {
      sent,
      status: "idle" as const,
      request: async (body: { type: string }) => {
        sent.push(body);
        return reply;
      },
    };
  };
  const grid = {
    version: 1 as const,
    kind: "featureMaps" as const,
    shape: [1, 1, 1, 1] as [number, number, number, number],
    data: [1],
  };

  test("forwards { type, layer, modelId } to the kernel and returns its grid to the renderer", async () => {
    const c = fake({ id: 1, type: "featureMaps_reply", layer: "conv1", grid });
    const r = await answerRendererMessage(c, { type: "featureMaps", layer: "conv1", modelId: "m1" });
    assert.deepEqual(c.sent, [{ type: "featureMaps", layer: "conv1", modelId: "m1" }]);
    assert.deepEqual(r, { type: "featureMaps", layer: "conv1", grid });
    // The sample offer and a sample request travel both ways.
    const offer = fake({
      id: 1,
      type: "featureMaps_reply",
      layer: "conv1",
      error: "no input yet",
      canSample: true,
    });
    const o = await answerRendererMessage(offer, { type: "featureMaps", layer: "conv1" });
    assert.deepEqual(o, { type: "featureMaps", layer: "conv1", error: "no input yet", canSample: true });
    const s = fake({ id: 1, type: "featureMaps_reply", layer: "conv1", grid, input: "sample" });
    const sr = await answerRendererMessage(s, { type: "featureMaps", layer: "conv1", sample: true });
    assert.deepEqual(s.sent, [{ type: "featureMaps", layer: "conv1", sample: true }]);
    assert.deepEqual(sr, { type: "featureMaps", layer: "conv1", grid, input: "sample" });
  });

  test("a kernel error or a kernel without the request becomes an error for the renderer", async () => {
    const e = await answerRendererMessage(
      fake({ id: 1, type: "featureMaps_reply", layer: "x", error: "no input yet" }),
      {
        type: "featureMaps",
        layer: "x",
      },
    );
    assert.deepEqual(e, { type: "featureMaps", layer: "x", error: "no input yet" });
    const old = await answerRendererMessage(
      fake({ id: 1, type: "error_reply", message: "unknown request type 'featureMaps'" }),
      {
        type: "featureMaps",
        layer: "x",
      },
    );
    assert.match(old?.error ?? "", /cannot send feature maps yet/);
    assert.equal(await answerRendererMessage(fake({ id: 1, type: "x_reply" }), { type: "other" }), undefined);
  });
});
