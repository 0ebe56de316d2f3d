// The activation explorer's webview panel in VS Code: one panel, restored after a reload by a
// WebviewPanelSerializer (the webview keeps its own choices with getState/setState). It asks the
// kernel of the notebook the person last used: the active notebook when its Receptive kernel runs,
// else the notebook that last ran a cell in Receptive (another editor, a Markdown file or the panel
// itself may be active). Messages are answered by panel-service.ts.

import { basename } from "node:path";
import * as vscode from "vscode";
import type { PanelRequest } from "../../webviews/panel/messages";
import type { KernelClient } from "./kernel-client";
import { makeNonce, panelHtml } from "./panel-html";
import { answerPanelMessage } from "./panel-service";

export class ActivationExplorer implements vscode.Disposable {
  static readonly viewType = "receptive.activationExplorer";
  private panel: vscode.WebviewPanel | undefined;
  private notebook: vscode.NotebookDocument | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly kernels: {
      /** The notebook's kernel client, if it has one. */
      peek(nb: vscode.NotebookDocument): KernelClient | undefined;
      /** The notebook that last ran a cell in Receptive. */
      lastUsed(): vscode.NotebookDocument | undefined;
    },
    private readonly log: (line: string) => void,
  ) {}

  /** The notebook whose kernel the explorer asks (see the top of this file). */
  private pickNotebook(): vscode.NotebookDocument | undefined {
    const live = (nb: vscode.NotebookDocument | undefined) => {
      const s = nb && !nb.isClosed ? this.kernels.peek(nb)?.status : undefined;
      return s === "idle" || s === "busy";
    };
    const active = vscode.window.activeNotebookEditor?.notebook;
    for (const nb of [active, this.kernels.lastUsed(), this.notebook]) if (live(nb)) return nb;
    return active ?? this.notebook;
  }

  show(notebook: vscode.NotebookDocument | undefined): void {
    this.notebook = notebook ?? this.notebook;
    if (this.panel) {
      this.panel.reveal();
      void this.panel.webview.postMessage({ type: "refresh-request" }); // the webview asks again
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      ActivationExplorer.viewType,
      "Activation Explorer",
      vscode.ViewColumn.Beside,
      this.options(),
    );
    this.attach(panel);
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel) => {
        this.notebook = vscode.window.activeNotebookEditor?.notebook ?? vscode.workspace.notebookDocuments[0];
        panel.webview.options = this.options();
        this.attach(panel);
      },
    };
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, "dist", "webviews")],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const script = vscode.Uri.joinPath(this.context.extensionUri, "dist", "webviews", "panel.js");
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(script).toString(),
    });
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    panel.webview.onDidReceiveMessage(async (message: PanelRequest) => {
      const nb = this.pickNotebook();
      if (nb) this.notebook = nb;
      const reply = await answerPanelMessage(
        {
          client: nb ? this.kernels.peek(nb) : undefined,
          notebook: nb ? basename(nb.uri.path) : undefined,
          pickImage: async () => {
            const picked = await vscode.window.showOpenDialog({
              canSelectMany: false,
              filters: { Images: ["png", "jpg", "jpeg"] },
              openLabel: "Use this image",
            });
            return picked?.[0]?.fsPath;
          },
        },
        message,
      );
      if (reply?.type === "explored" && reply.error) this.log(`activation explorer: ${reply.error}`);
      if (reply) void panel.webview.postMessage(reply);
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
