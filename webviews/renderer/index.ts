// The Receptive notebook renderer: VS Code loads this module and calls `activate`. It picks the view
// for each `application/vnd.receptive.<kind>+json` output, lets a view update in place when the same
// output is re-rendered (live curves), and falls back to the output's PNG/HTML when a view fails.
// NOTE: a view never throws out of renderOutputItem: its errors become the fallback.

import type { ActivationFunction, OutputItem } from "vscode-notebook-renderer";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { confusionMatrixView } from "./confusion-matrix";
import { convStepsView } from "./conv-steps";
import { curvesView } from "./curves";
import { type SiblingItems, showFallback } from "./fallback";
import { imageGridView } from "./image-grid";
import { modelSummaryView } from "./model-summary";
import { installStyles } from "./styles";
import { tensorView } from "./tensor-view";
import type { View, ViewFactory, ViewHost } from "./view";

const VIEWS: Record<string, ViewFactory> = {
  [VIZ_MIME.tensor]: tensorView,
  [VIZ_MIME.imageGrid]: imageGridView,
  [VIZ_MIME.curves]: curvesView,
  [VIZ_MIME.modelSummary]: modelSummaryView,
  [VIZ_MIME.convSteps]: convStepsView,
  [VIZ_MIME.confusionMatrix]: confusionMatrixView,
};

interface Rendered {
  element: HTMLElement;
  mime: string;
  view: View;
}

export const activate: ActivationFunction = (ctx) => {
  installStyles(document);
  const rendered = new Map<string, Rendered>();
  const postMessage = ctx.postMessage ? (m: unknown) => ctx.postMessage?.(m) : undefined;
  const onMessage = ctx.onDidReceiveMessage
    ? (listener: (m: unknown) => void) => {
        const sub = ctx.onDidReceiveMessage?.(listener);
        return () => sub?.dispose();
      }
    : undefined;

  const dispose = (id: string) => {
    rendered.get(id)?.view.dispose();
    rendered.delete(id);
  };

  async function renderNow(item: OutputItem, element: HTMLElement, signal?: AbortSignal): Promise<void> {
    try {
      const factory = VIEWS[item.mime];
      if (!factory) throw new Error(`no Receptive view for ${item.mime}`);
      const payload = item.json();
      const previous = rendered.get(item.id);
      if (previous && previous.element === element && previous.mime === item.mime && previous.view.update) {
        if (await previous.view.update(payload)) return;
      }
      dispose(item.id);
      element.replaceChildren();
      const host: ViewHost = { element, postMessage, onMessage };
      const view = await factory(payload, host);
      if (signal?.aborted) {
        view.dispose();
        return;
      }
      rendered.set(item.id, { element, mime: item.mime, view });
    } catch (error) {
      dispose(item.id);
      console.error(`Receptive renderer (${item.mime}):`, error);
      await showFallback(item as OutputItem & SiblingItems, element, error);
    }
  }

  // Renders of one output run one after another, and a render that a newer one has overtaken
  // while it waited is skipped: fast live updates never interleave or pile up.
  const queues = new Map<string, Promise<void>>();
  const latest = new Map<string, number>();
  let tickets = 0;

  return {
    renderOutputItem(item: OutputItem, element: HTMLElement, signal?: AbortSignal) {
      const ticket = ++tickets;
      latest.set(item.id, ticket);
      const run = () => (latest.get(item.id) === ticket ? renderNow(item, element, signal) : undefined);
      const queued = (queues.get(item.id) ?? Promise.resolve()).then(run);
      queues.set(item.id, queued);
      return queued.finally(() => {
        if (queues.get(item.id) === queued) {
          queues.delete(item.id);
          latest.delete(item.id);
        }
      });
    },
    disposeOutputItem(id?: string) {
      if (id !== undefined) dispose(id);
      else for (const key of [...rendered.keys()]) dispose(key);
    },
  };
};
