// Stop during fit() in the real kernel (stdio protocol, as the VS Code extension drives it): the
// cell ends within a second, the progress bar had been updating in place, and the model keeps the
// weights trained so far (they differ from the initial ones; the kernel and its variables live on);
// fit's cleanup still runs in the abandoned cell: train/eval modes restored, the bar marked stopped.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fit in the kernel (stdio)", () => {
  const proc = spawn(process.execPath, [...KERNEL_NODE_FLAGS, cli, "kernel", "stdio"], {
    cwd: mkdtempSync(join(tmpdir(), "receptive-fit-")),
  });
  const messages: any[] = [];
  createInterface({ input: proc.stdout }).on("line", (line) => messages.push(JSON.parse(line)));
  let nextId = 1;
  const send = (body: Record<string, unknown>) => {
    const id = nextId++;
    proc.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    return id;
  };
  const reply = async (id: number, type: string, timeoutMs = 60_000) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(10)) {
      const m = messages.find((x) => x.id === id && x.type === type);
      if (m) return m;
    }
    throw new Error(`no ${type} for request ${id}`);
  };
  const execute = async (code: string) => reply(send({ type: "execute", code }), "execute_reply");
  after(async () => {
    const exited = new Promise((r) => proc.on("exit", r));
    send({ type: "shutdown" });
    await exited;
  });

  it("Stop ends training within 1 s and keeps the weights trained so far", async () => {
    const setup =
      await execute(`import { data, F, fit, manualSeed, nn, optim, randn, tensor } from "receptive";
manualSeed(0);
const x = randn([4096, 1, 8, 8]);
const y = tensor(Array.from({ length: 4096 }, (_, i) => (x.storage[i * 64] > 0 ? 1 : 0)));
const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 0 });
const model = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(144, 2));
const w0 = Float32Array.from(model.parameters()[0].storage);
model.eval(); // fit trains in train mode and must restore this, also when stopped`);
    assert.equal(setup.status, "ok", JSON.stringify(setup.error));
    const id = send({
      type: "execute",
      code: "await fit(model, loader, { epochs: 1000, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), lossFn: F.crossEntropy });",
    });
    // wait until the progress bar has been updated in place a few times
    for (let i = 0; i < 3000; i++) {
      const updates = messages.filter((m) => m.id === id && m.type === "update_display");
      if (updates.length >= 3) break;
      await sleep(10);
    }
    const shown = messages.filter((m) => m.id === id && m.type === "display");
    assert.equal(shown.length, 2, "a progress bar and a curves output");
    const updates = messages.filter((m) => m.id === id && m.type === "update_display");
    assert.ok(updates.length >= 3, `${updates.length} updates`);
    assert.ok(
      updates.every((u) => shown.some((s) => s.displayId === u.displayId)),
      "updates go to those outputs",
    );
    assert.match(
      [...updates].reverse().find((u) => !("application/vnd.receptive.curves+json" in u.data))?.data[
        "text/plain"
      ],
      // an epoch is ~0.1 s here, so the bar may already be in a later epoch
      /^epoch \d+\/1000 · \[[#.]+\] \d+\/256 · ETA/,
    );
    const t0 = Date.now();
    await reply(send({ type: "interrupt" }), "interrupt_reply");
    const done = await reply(id, "execute_reply");
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 1000, `interrupt took ${elapsed} ms`);
    assert.equal(done.error?.ename, "Interrupted");
    const kept = await execute("model.parameters()[0].storage.some((v, i) => v !== w0[i])");
    assert.equal(kept.result?.["text/plain"], "true");
    // The abandoned cell's cleanup ran: modes restored, the bar says it stopped.
    const modes = await execute("model.modules().map((m) => m.training).join()");
    assert.equal(modes.result?.["text/plain"], "'false,false,false,false,false'");
    const lastBar = messages
      .filter(
        (m) =>
          m.id === id && m.type === "update_display" && !("application/vnd.receptive.curves+json" in m.data),
      )
      .at(-1);
    // where Stop came, not a full bar: "stopped at epoch 3/1000, batch 37/256 · [###.....] · ..."
    // ("stopped after epoch 3/1000" if it came just as an epoch ended)
    const text: string = lastBar?.data["text/plain"];
    assert.match(
      text,
      /^stopped (at epoch \d+\/1000, batch \d+\/256|after epoch \d+\/1000) · \[[#.]+\] · .*the weights trained so far are kept$/,
    );
    const batch = /batch (\d+)\/256/.exec(text)?.[1] ?? "256";
    assert.match(lastBar?.data["text/html"], new RegExp(`<progress max="256" value="${batch}"`));
    const history = await execute("fit.history.stopped");
    assert.equal(history.result?.["text/plain"], "true");
  });
});
