// The bundled extension (extension/dist/extension.js) activated against a stand-in `vscode` module
// (fake-vscode.ts; the code-server end-to-end test runs it in a real VS Code): the controller's
// identity, the commands, cells run through the real kernel with execution order, timing, streams,
// displays updated in place (also in an earlier cell), errors, Stop, Restart, the backend and ONNX
// Runtime's provider in the status bar, and the renderer's featureMaps message answered.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type FakeCell,
  type FakeController,
  type FakeVscode,
  fakeDocument,
  fakeVscode,
  Uri,
  withVscode,
} from "./fake-vscode";

const EXTENSION = join(__dirname, "..", "..", "..", "extension");
const BUNDLE = join(EXTENSION, "dist", "extension.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (data: Uint8Array) => new TextDecoder().decode(data);

interface ExtensionModule {
  activate(ctx: unknown): void;
  deactivate(): Promise<void>;
}

function cell(code: string): FakeCell {
  return {
    kind: 2,
    document: { getText: () => code, uri: Uri.parse("vscode-notebook-cell://x") },
    outputs: [],
  };
}

describe("the extension in a stand-in VS Code", () => {
  let vscode: FakeVscode;
  let ext: ExtensionModule;
  let controller: FakeController;
  const dir = mkdtempSync(join(tmpdir(), "rcp-ext-"));
  const cells: FakeCell[] = [];
  const notebook = {
    uri: Uri.file(join(dir, "lesson.ipynb")),
    notebookType: "jupyter-notebook",
    metadata: { metadata: { kernelspec: { name: "receptive" } } },
    getCells: () => cells,
  };

  before(() => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build (node extension/build.mjs) makes it`);
    vscode = fakeVscode();
    vscode.window.activeNotebookEditor = { notebook };
    vscode.notebookDocuments = [notebook];
    ext = withVscode(vscode, () => require(BUNDLE) as ExtensionModule);
    ext.activate({
      extensionPath: EXTENSION,
      extensionUri: Uri.file(EXTENSION),
      subscriptions: [],
      extension: { id: "receptive.receptive", packageJSON: { version: "0.1.0" } },
      globalStorageUri: Uri.file(join(dir, "storage")),
    });
    controller = vscode.controllers[0];
  });
  after(() => ext.deactivate());

  async function run(...codes: string[]): Promise<FakeCell[]> {
    const added = codes.map(cell);
    cells.push(...added);
    await controller.executeHandler(added, notebook);
    return added;
  }
  const execOf = (c: FakeCell) => controller.executions.filter((e) => e.cell === c).at(0)!;

  test("registers the Receptive (TypeScript) controller for .ipynb and the commands", () => {
    assert.equal(vscode.controllers.length, 1);
    assert.deepEqual(
      {
        id: controller.id,
        type: controller.notebookType,
        label: controller.label,
        langs: controller.supportedLanguages,
      },
      {
        id: "receptive",
        type: "jupyter-notebook",
        label: "Receptive (TypeScript)",
        langs: ["typescript", "javascript"],
      },
    );
    assert.equal(controller.supportsExecutionOrder, true);
    assert.equal(
      controller.affinity.get(notebook),
      2,
      "a notebook with the receptive kernelspec prefers this controller",
    );
    for (const c of [
      "restartKernel",
      "interruptKernel",
      "openActivationExplorer",
      "newNotebook",
      "openCourse",
    ]) {
      assert.ok(vscode.commands.has(`receptive.${c}`), `command receptive.${c}`);
    }
  });

  test("cells run in order with timing, streams and results; the status bar shows the backend", async () => {
    const [a, b] = await run('console.log("one");\nconsole.log("two");\nconst n: number = 21;', "n * 2");
    const ea = execOf(a);
    assert.equal(ea.executionOrder, 1);
    assert.equal(execOf(b).executionOrder, 2);
    assert.deepEqual(ea.events, ["start", "end:true"]);
    assert.ok(ea.started! <= ea.ended!.time!);
    assert.equal(a.outputs.length, 1, "consecutive stdout writes share one output");
    assert.equal(a.outputs[0].items.map((i) => text(i.data)).join(""), "one\ntwo\n");
    assert.equal(text(b.outputs[0].items.find((i) => i.mime === "text/plain")!.data), "42");
    for (let i = 0; i < 50 && !/WebAssembly|reference|ref/i.test(vscode.statusBar.text); i++)
      await sleep(100);
    // The engine backend, then ONNX Runtime's provider (the CPU here), with why not CUDA on hover.
    assert.match(vscode.statusBar.text, /Receptive: .*(WebAssembly|ref).* · ONNX Runtime: CPU$/);
    assert.match(vscode.statusBar.tooltip, /\nONNX Runtime \d+\.\d+\.\d+: CPU\n {2}CUDA: /);
  });

  test("completion and hover in a cell come from the running kernel; the kernel's log goes to the channel", async () => {
    const code = "n.toFix";
    const doc = fakeDocument(code);
    const c = cell(code);
    c.document = { ...c.document, ...doc };
    cells.push(c);
    const items = await vscode.providers.completion.provideCompletionItems(c.document, code.length);
    const fixed = items.find((i: { label: string }) => i.label === "toFixed");
    assert.ok(fixed, `toFixed among ${items.map((i: { label: string }) => i.label).join(", ")}`);
    assert.deepEqual([fixed.range.start, fixed.range.end], [2, 7]);
    const max = cell("Math.max(1, 2)");
    max.document = { ...max.document, ...fakeDocument("Math.max(1, 2)") };
    cells.push(max);
    const hover = await vscode.providers.hover.provideHover(max.document, 6);
    assert.match(hover.contents.value, /^```typescript\n.*Math\.max\(/);
    // Nothing known under the cursor: no hover at all (not an empty "any" box).
    const unknown = cell("notDefinedAnywhere");
    unknown.document = { ...unknown.document, ...fakeDocument("notDefinedAnywhere") };
    cells.push(unknown);
    assert.equal(await vscode.providers.hover.provideHover(unknown.document, 3), undefined);
    // Parameter hints after "(" and ",": the signature, on the argument being typed.
    assert.deepEqual(vscode.providers.signatureMeta.triggerCharacters, ["(", ","]);
    const typing = 'const { F } = require("receptive") as typeof import("receptive");\nF.conv2d(x, ';
    const call = cell(typing);
    call.document = { ...call.document, ...fakeDocument(typing) };
    cells.push(call);
    const help = await vscode.providers.signature.provideSignatureHelp(call.document, typing.length);
    assert.ok(help, "signature help after F.conv2d(x, ");
    const [sig] = help.signatures;
    assert.match(sig.label, /^conv2d\(input: Tensor, weight: Tensor/);
    assert.equal(help.activeParameter, 1);
    const [s, e] = sig.parameters[1].label;
    assert.equal(sig.label.slice(s, e), "weight: Tensor");
    assert.ok(vscode.log.some((l) => /kernel ready: receptive/.test(l)));
    assert.ok(vscode.log.some((l) => /backend: /.test(l)));
  });

  test("a display is updated in place, also from a later cell", async () => {
    const [shown] = await run('const live = display("epoch 1");\nlive.update("epoch 2");');
    const output = shown.outputs[0];
    assert.equal(text(output.items.find((i) => i.mime === "text/plain")!.data), "'epoch 2'");
    assert.ok(execOf(shown).events.includes(`replace:${output.id}`));
    await run('live.update("epoch 3");');
    assert.equal(text(shown.outputs[0].items.find((i) => i.mime === "text/plain")!.data), "'epoch 3'");
  });

  test("a burst of live updates ends on the newest one, shown before the cell ends", async () => {
    const [burst] = await run(
      'const bar = display("step 0");\nfor (let i = 1; i <= 300; i++) bar.update("step " + i);',
    );
    const exec = execOf(burst);
    assert.equal(text(burst.outputs[0].items.find((i) => i.mime === "text/plain")!.data), "'step 300'");
    const replaces = exec.events.filter((e) => e.startsWith("replace")).length;
    assert.ok(replaces >= 1, "updated in place");
    assert.equal(exec.events.at(-1), "end:true", "the last update came before the end");
  });

  test("a late display update of a cell queued to run again does not start it twice", async () => {
    // The update arrives while the cell waits its turn: a stand-in execution would take over the
    // pending state VS Code shows, end it, and the cell would seem to start a second time.
    const code =
      'const late = display("before");\nif (!(globalThis as any).lateOnce) {\n  (globalThis as any).lateOnce = true;\n  setTimeout(() => late.update("late"), 300);\n}';
    const [shown] = await run(code);
    const wait = cell("await new Promise((r) => setTimeout(r, 1500));");
    cells.push(wait);
    await controller.executeHandler([wait, shown], notebook);
    const runs = controller.executions.filter((e) => e.cell === shown);
    assert.deepEqual(
      runs.map((e) => e.events.filter((x) => !x.startsWith("replace")).join(" ")),
      ["start end:true", "start end:true"],
      "two runs and no stand-in execution",
    );
  });

  test("a cell's input() asks with an input box (protocol 1.1)", async (t) => {
    const [probe] = await run("typeof input");
    if (!text(probe.outputs[0]?.items[0]?.data ?? new Uint8Array()).includes("function")) {
      return t.skip("this kernel has no input() (protocol 1.0)");
    }
    const [asked] = await run('await input("your name? ")');
    assert.deepEqual(vscode.window.inputPrompts, ["your name? "]);
    assert.equal(text(asked.outputs[0].items.find((i) => i.mime === "text/plain")!.data), "'Ada'");
  });

  test("errors become error outputs and the cell fails", async () => {
    const [bad] = await run('throw new RangeError("too far");');
    assert.deepEqual(execOf(bad).events, ["start", "end:false"]);
    const item = bad.outputs[0].items[0];
    assert.equal(item.mime, "application/vnd.code.notebook.error");
    assert.deepEqual(
      { name: JSON.parse(text(item.data)).name, message: JSON.parse(text(item.data)).message },
      { name: "RangeError", message: "too far" },
    );
  });

  test("Stop interrupts a running loop and drops the cells queued behind it; the variables stay", async () => {
    const loop = cell('console.log("spinning");\nlet spins = 0;\nwhile (true) spins++;');
    const queued = cell('console.log("after the loop");');
    cells.push(loop, queued);
    const running = controller.executeHandler([loop, queued], notebook);
    // Stop once the loop runs (its first line printed), however slow the machine is.
    while (!loop.outputs.some((o) => o.items.some((i) => text(i.data).includes("spinning")))) await sleep(50);
    await sleep(100);
    await controller.interruptHandler!(notebook);
    await running;
    assert.deepEqual(execOf(loop).events, ["start", "end:false"]);
    assert.deepEqual(
      execOf(queued).events,
      ["start", "end:undefined"],
      "the cell queued behind it does not run",
    );
    assert.deepEqual(queued.outputs, []);
    const [check] = await run("spins > 0");
    assert.equal(text(check.outputs[0].items.find((i) => i.mime === "text/plain")!.data), "true");
  });

  test("the renderer's featureMaps request is answered for its editor", async () => {
    const editor = { notebook };
    vscode.rendererMessages.fire({ editor, message: { type: "featureMaps", layer: "0" } });
    for (let i = 0; i < 50 && vscode.posted.length === 0; i++) await sleep(100);
    const [{ message, editor: to }] = vscode.posted;
    assert.equal(to, editor);
    const reply = message as { type: string; layer: string; grid?: unknown; error?: string };
    assert.equal(reply.type, "featureMaps");
    assert.equal(reply.layer, "0");
    assert.ok(reply.grid !== undefined || typeof reply.error === "string");
  });

  test("New Receptive Notebook opens the template with the Receptive kernel selected", async () => {
    await vscode.commands.get("receptive.newNotebook")!();
    const [{ type, data }] = vscode.opened;
    assert.equal(type, "jupyter-notebook");
    const code = data.cells.filter((c) => c.kind === 2);
    assert.ok(code.length >= 2 && code.every((c) => c.languageId === "typescript"));
    assert.match(code[0].value, /from "receptive"/);
    assert.deepEqual((data.metadata as any).metadata.kernelspec.name, "receptive");
    const select = vscode.executed.find((c) => c[0] === "notebook.selectKernel");
    assert.ok(select, "notebook.selectKernel was run");
    assert.equal((select[1] as { id: string }).id, "receptive");
  });

  test("Open Course copies the course beside the user's edits and opens that folder", async () => {
    const course = join(dir, "storage", "course");
    mkdirSync(course, { recursive: true });
    writeFileSync(join(course, "01-convolution.ipynb"), "my edits");
    await vscode.commands.get("receptive.openCourse")!();
    const bundled = readdirSync(join(EXTENSION, "..", "notebooks")).filter((f) => f.endsWith(".ipynb"));
    for (const f of bundled) assert.ok(existsSync(join(course, f)), `${f} copied`);
    assert.equal(readFileSync(join(course, "01-convolution.ipynb"), "utf8"), "my edits");
    const open = vscode.executed.find((c) => c[0] === "vscode.openFolder");
    assert.ok(open, "vscode.openFolder was run");
    assert.equal((open[1] as Uri).fsPath, course);
  });

  test("the Activation Explorer asks the kernel of the notebook last used, not the active one without a kernel", async () => {
    await run("const explorerNet = new (require('receptive').nn.Conv2d)(1, 2, 3);");
    // Another notebook, with no Receptive kernel, becomes the active editor.
    const other = {
      uri: Uri.file(join(dir, "notes.ipynb")),
      notebookType: "jupyter-notebook",
      metadata: {},
      getCells: () => [],
    };
    vscode.window.activeNotebookEditor = { notebook: other };
    try {
      await vscode.commands.get("receptive.openActivationExplorer")!();
      const panel = vscode.panels.at(-1)!;
      panel.receive({ type: "ready" });
      for (let i = 0; i < 100 && panel.sent.length === 0; i++) await sleep(50);
      const [reply] = panel.sent as {
        type: string;
        notebook?: string;
        models: { name: string }[];
        error?: string;
      }[];
      assert.equal(reply.type, "variables");
      assert.equal(reply.error, undefined, reply.error);
      assert.equal(reply.notebook, "lesson.ipynb");
      assert.ok(
        reply.models.some((m) => m.name === "explorerNet"),
        JSON.stringify(reply.models),
      );
    } finally {
      vscode.window.activeNotebookEditor = { notebook };
    }
  });

  test("errors for students: engine frames hidden unless the setting shows them (after a restart)", async () => {
    const errorOf = (c: FakeCell) =>
      JSON.parse(text(c.outputs[0].items[0].data)) as { stack: string; message: string };
    const code =
      'const { F, randn } = require("receptive");\nF.conv2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]));';
    const [hidden] = await run(code);
    const stack = errorOf(hidden).stack;
    assert.match(stack, /frames? inside receptive hidden/);
    assert.doesNotMatch(stack, /engine[/\\]ops/, "no engine frame");
    assert.match(stack.replace(/\s+/g, " "), /use a smaller kernel size, more padding, or a larger input/);
    vscode.settings["receptive.errors.showEngineFrames"] = true;
    try {
      await vscode.commands.get("receptive.restartKernel")!();
      const [shown] = await run(code);
      assert.match(errorOf(shown).stack, /engine[/\\]ops[/\\]conv/);
    } finally {
      vscode.settings["receptive.errors.showEngineFrames"] = false;
    }
  });

  test("Restart Kernel gives fresh state and numbering from 1", async () => {
    await vscode.commands.get("receptive.restartKernel")!();
    const [after] = await run("typeof spins");
    const shown = after.outputs.flatMap((o) => o.items.map((i) => `${i.mime}: ${text(i.data)}`)).join("\n");
    assert.equal(execOf(after).executionOrder, 1, shown);
    const err = after.outputs[0].items[0];
    assert.equal(err.mime, "application/vnd.code.notebook.error", shown);
    assert.match(text(err.data), /Cannot find name 'spins'/, shown);
  });
});
