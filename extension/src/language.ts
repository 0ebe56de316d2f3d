// Completion, hover and signature help (parameter hints after "(" and ",") in Receptive notebook
// cells, answered by the notebook's running kernel (complete / inspect requests: it knows the
// variables and types of the cells that ran). The pure parts are in signature.ts.

import * as vscode from "vscode";
import type { KernelClient } from "./kernel-client";
import { hoverText, openCall, signatureParts } from "./signature";

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
      const text = hoverText(reply.found ? String(reply.data["text/plain"] ?? "") : "");
      if (!text) return undefined; // nothing known there: no empty "any" box
      const md = new vscode.MarkdownString();
      const [signature, ...doc] = text.split("\n\n");
      md.appendCodeblock(signature, "typescript");
      if (doc.length) md.appendMarkdown(`\n\n${doc.join("\n\n")}`);
      return new vscode.Hover(md);
    },
  });
  const signatures = vscode.languages.registerSignatureHelpProvider(
    SELECTORS,
    {
      async provideSignatureHelp(document, position) {
        const client = live(clientFor(document));
        if (!client || client.status === "busy") return undefined;
        const code = document.getText();
        const call = openCall(code, document.offsetAt(position));
        if (call === null) return undefined;
        const reply = await client.inspect(code, call.callee);
        const parts = reply.found ? signatureParts(String(reply.data["text/plain"] ?? "")) : null;
        if (parts === null) return undefined;
        const info = new vscode.SignatureInformation(
          parts.label,
          parts.documentation ? new vscode.MarkdownString(parts.documentation) : undefined,
        );
        info.parameters = parts.parameters.map((p) => new vscode.ParameterInformation(p));
        const help = new vscode.SignatureHelp();
        help.signatures = [info];
        help.activeSignature = 0;
        // a rest parameter (...shape) takes every later argument
        const rest = parts.parameters.findIndex(([s]) => parts.label.startsWith("...", s));
        help.activeParameter = rest >= 0 && call.argument >= rest ? rest : call.argument;
        return help;
      },
    },
    { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
  );
  return vscode.Disposable.from(completion, hover, signatures);
}
