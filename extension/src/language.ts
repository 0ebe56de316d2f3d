// Completion and hover in Receptive notebook cells, answered by the notebook's running kernel
// (complete / inspect requests: it knows the variables and types of the cells that ran).

import * as vscode from "vscode";
import type { KernelClient } from "./kernel-client";

/** The running kernel of the notebook holding `document` (a cell), if any. */
export type ClientForCell = (document: vscode.TextDocument) => KernelClient | undefined;

const SELECTORS: vscode.DocumentSelector = [
  { notebookType: "jupyter-notebook", language: "typescript" },
  { notebookType: "jupyter-notebook", language: "javascript" },
];

const live = (c: KernelClient | undefined) =>
  c && (c.status === "idle" || c.status === "busy") ? c : undefined;

export function registerLanguageFeatures(clientFor: ClientForCell): vscode.Disposable {
  const completion = vscode.languages.registerCompletionItemProvider(
    SELECTORS,
    {
      async provideCompletionItems(document, position) {
        const client = live(clientFor(document));
        if (!client || client.status === "busy") return undefined;
        const reply = await client.complete(document.getText(), document.offsetAt(position));
        const range = new vscode.Range(
          document.positionAt(reply.cursorStart),
          document.positionAt(reply.cursorEnd),
        );
        return reply.matches.map((label) => {
          const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Variable);
          item.range = range;
          return item;
        });
      },
    },
    ".",
  );
  const hover = vscode.languages.registerHoverProvider(SELECTORS, {
    async provideHover(document, position) {
      const client = live(clientFor(document));
      if (!client || client.status === "busy") return undefined;
      const reply = await client.inspect(document.getText(), document.offsetAt(position));
      const text = reply.found ? String(reply.data["text/plain"] ?? "") : "";
      if (!text) return undefined;
      const md = new vscode.MarkdownString();
      const [signature, ...doc] = text.split("\n\n");
      md.appendCodeblock(signature, "typescript");
      if (doc.length) md.appendMarkdown(`\n\n${doc.join("\n\n")}`);
      return new vscode.Hover(md);
    },
  });
  return vscode.Disposable.from(completion, hover);
}
