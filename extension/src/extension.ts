// The Receptive VS Code extension's entry point: wires the notebook controller, one kernel process
// per notebook (run by VS Code's own runtime), the renderer's messages, completion and hover, the
// status bar, the commands and the activation explorer. Logic lives in the vscode-free modules.

import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import * as vscode from "vscode";
import { CONTROLLER_ID, NOTEBOOK_TYPE, ReceptiveController } from "./controller";
import { kernelLaunch } from "./kernel-launch";
import { type BackendInfo, queryBackend } from "./kernel-queries";
import { KernelManager } from "./kernels";
import { registerLanguageFeatures } from "./language";
import { newNotebookJson } from "./notebook-template";
import { ActivationExplorer } from "./panel-host";
import { extensionPaths } from "./paths";
import { answerRendererMessage } from "./renderer-bridge";
import { statusBarItem } from "./status-bar";

let kernels: KernelManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel("Receptive");
  const log = (line: string) => channel.appendLine(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const paths = extensionPaths(context.extensionPath);
  log(`Receptive ${context.extension.packageJSON.version}: kernel ${paths.cli}`);

  kernels = new KernelManager((key) => {
    const uri = vscode.Uri.parse(key);
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const cwd = uri.scheme === "file" ? dirname(uri.fsPath) : (folder ?? homedir());
    // VS Code's own Electron runs the kernel as Node: users need no separate Node install.
    const electron = Boolean(process.versions.electron);
    // Engine frames in tracebacks: hidden unless the setting asks for them (kernel/server/execute/student-errors.ts).
    const frames = vscode.workspace.getConfiguration("receptive").get<boolean>("errors.showEngineFrames");
    const env = { ...process.env, RECEPTIVE_ENGINE_FRAMES: frames ? "1" : "0" };
    return kernelLaunch({ cliPath: paths.cli, cwd, electron, env });
  }, log);
  const manager = kernels;
  const controller = new ReceptiveController(manager);
  const notebookOf = (doc: vscode.TextDocument) =>
    vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
  const activeNotebook = () => vscode.window.activeNotebookEditor?.notebook;

  // Status bar: the kernel's state, the engine backend it runs on and ONNX Runtime's provider.
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = "receptive.restartKernel";
  const backends = new Map<string, BackendInfo | "asking">();
  const showStatus = () => {
    const nb = activeNotebook();
    const client = nb && manager.peek(nb.uri.toString());
    if (!nb || !client) return void status.hide();
    const item = statusBarItem({
      status: client.status,
      version: client.info?.implementationVersion,
      backend: backends.get(nb.uri.toString()),
    });
    status.text = item.text;
    status.tooltip = item.tooltip;
    status.show();
  };
  manager.onCreated((key, client) => {
    client.onStatus(showStatus);
    client.onExit((e) => {
      backends.delete(key);
      showStatus();
      if (!e.expected && e.message) {
        void vscode.window
          .showErrorMessage(e.message.split("\n")[0], "Restart Kernel", "Show Log")
          .then((pick) => {
            if (pick === "Restart Kernel") void vscode.commands.executeCommand("receptive.restartKernel");
            if (pick === "Show Log") channel.show();
          });
      }
    });
    // Ask the backend once the kernel is up (its own short cell; no output reaches the notebook).
    const ask = () =>
      queryBackend(client).then(
        (b) => {
          backends.set(key, b);
          showStatus();
          log(`backend: ${b.description}`);
          if (b.onnxRuntime)
            log(
              `ONNX Runtime: ${b.onnxRuntime.description}${b.onnxRuntime.notes.map((n) => `; ${n}`).join("")}`,
            );
        },
        (err) => {
          log(`backend query failed: ${err}`);
          // A Stop cancels the query with the cells queued before it: ask again at the next idle.
          if (/Interrupted/.test(String(err))) backends.delete(key);
        },
      );
    client.onStatus((s) => {
      if (s === "idle" && !backends.has(key)) {
        backends.set(key, "asking");
        void ask();
      }
    });
  });

  // Renderer -> kernel: the model summary asks for a layer's feature maps.
  const messaging = vscode.notebooks.createRendererMessaging("receptive.renderer");
  messaging.onDidReceiveMessage(async ({ editor, message }) => {
    const client = manager.peek(editor.notebook.uri.toString());
    if (!client) {
      const layer = (message as { layer?: string })?.layer ?? "";
      return void messaging.postMessage(
        { type: "featureMaps", layer, error: "Run the notebook with the Receptive kernel first." },
        editor,
      );
    }
    const reply = await answerRendererMessage(client, message);
    if (reply) void messaging.postMessage(reply, editor);
  });

  const explorer = new ActivationExplorer(
    context,
    { peek: (nb) => manager.peek(nb.uri.toString()), lastUsed: () => controller.lastUsed() },
    log,
  );

  context.subscriptions.push(
    channel,
    controller,
    status,
    explorer,
    registerLanguageFeatures((doc) => {
      const nb = notebookOf(doc);
      return nb ? manager.peek(nb.uri.toString()) : undefined;
    }),
    vscode.window.onDidChangeActiveNotebookEditor(showStatus),
    vscode.workspace.onDidCloseNotebookDocument((nb) => void manager.close(nb.uri.toString())),
    vscode.commands.registerCommand("receptive.restartKernel", async () => {
      const nb = activeNotebook();
      if (!nb)
        return void vscode.window.showInformationMessage("Receptive: open a notebook to restart its kernel.");
      const client = controller.client(nb);
      controller.cancelQueued(nb);
      backends.delete(nb.uri.toString());
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: "Restarting the Receptive kernel" },
        () => client.restart(),
      );
    }),
    vscode.commands.registerCommand("receptive.interruptKernel", async () => {
      const nb = activeNotebook();
      if (!nb) return;
      controller.cancelQueued(nb);
      await manager.peek(nb.uri.toString())?.interrupt();
    }),
    vscode.commands.registerCommand("receptive.openActivationExplorer", () =>
      explorer.show(activeNotebook()),
    ),
    vscode.commands.registerCommand("receptive.newNotebook", async () => {
      const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, notebookData(newNotebookJson()));
      const editor = await vscode.window.showNotebookDocument(doc);
      await vscode.commands.executeCommand("notebook.selectKernel", {
        notebookEditor: editor,
        id: CONTROLLER_ID,
        extension: context.extension.id,
      });
    }),
    vscode.commands.registerCommand("receptive.openCourse", async () => {
      // A copy the student can edit, outside the extension's folder (replaced on every update).
      const course = join(context.globalStorageUri.fsPath, "course");
      copyMissing(paths.notebooks, course);
      await vscode.commands.executeCommand("vscode.openFolder", vscode.Uri.file(course), {
        forceNewWindow: false,
      });
    }),
  );
  vscode.window.registerWebviewPanelSerializer(ActivationExplorer.viewType, explorer.serializer());
}

export async function deactivate(): Promise<void> {
  await kernels?.closeAll();
}

/** A Jupyter notebook's JSON as VS Code's NotebookData (TypeScript code cells, Markdown cells). */
function notebookData(nb: {
  cells: { cell_type: string; source: string | string[] }[];
}): vscode.NotebookData {
  const cells = nb.cells.map((c) => {
    const source = Array.isArray(c.source) ? c.source.join("") : c.source;
    return c.cell_type === "markdown"
      ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, source, "markdown")
      : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, "typescript");
  });
  const data = new vscode.NotebookData(cells);
  data.metadata = {
    metadata: {
      kernelspec: { name: "receptive", display_name: "Receptive (TypeScript)", language: "typescript" },
    },
  };
  return data;
}

/** Copies files of `from` that `to` lacks (a student's edits are never overwritten). */
function copyMissing(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, name.name);
    const dst = join(to, name.name);
    if (name.isDirectory()) copyMissing(src, dst);
    else if (!existsSync(dst)) copyFileSync(src, dst);
  }
}
