// The extension's side of the activation explorer, free of VS Code: answers the webview's messages
// (webviews/panel/messages.ts) with kernel queries (kernel-queries.ts). `pickImage` is the host's
// file dialog.

import type { PanelReply, PanelRequest } from "../../webviews/panel/messages";
import type { KernelClient } from "./kernel-client";
import { queryExplore, queryVariables } from "./kernel-queries";

export interface PanelContext {
  /** The notebook's kernel, or undefined when no Receptive notebook is open. */
  client: Pick<KernelClient, "execute" | "status"> | undefined;
  notebook?: string;
  pickImage(): Promise<string | undefined>;
}

const NO_KERNEL =
  "No Receptive kernel is running: open a notebook, select the Receptive (TypeScript) kernel, run its cells, then Refresh.";

export async function answerPanelMessage(
  ctx: PanelContext,
  message: PanelRequest,
): Promise<PanelReply | undefined> {
  const running =
    ctx.client && (ctx.client.status === "idle" || ctx.client.status === "busy") ? ctx.client : undefined;
  switch (message?.type) {
    case "ready":
    case "refresh": {
      if (!running)
        return { type: "variables", notebook: ctx.notebook, models: [], inputs: [], error: NO_KERNEL };
      try {
        const { models, inputs } = await queryVariables(running);
        return { type: "variables", notebook: ctx.notebook, models, inputs };
      } catch (err) {
        return { type: "variables", notebook: ctx.notebook, models: [], inputs: [], error: errorText(err) };
      }
    }
    case "explore": {
      if (!running) return { type: "explored", ticket: message.ticket, error: NO_KERNEL };
      try {
        return {
          type: "explored",
          ticket: message.ticket,
          result: await queryExplore(running, message.request),
        };
      } catch (err) {
        return { type: "explored", ticket: message.ticket, error: errorText(err) };
      }
    }
    case "pickImage": {
      const path = await ctx.pickImage();
      return path ? { type: "imagePicked", path } : undefined;
    }
    default:
      return undefined;
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
