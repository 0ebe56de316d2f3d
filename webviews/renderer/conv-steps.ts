// Convolution step-through: the input grid with the sliding window (filter weights shown under the
// covered values), the filter, the products and the running output, like the lecture's slides.
// Prev/Next buttons, a slider, autoplay, and arrow keys (Home/End) on the focused widget.

import type { ConvStepsPayload } from "../../kernel/display/payloads-viz";
import {
  type ConvWalk,
  outputSoFar,
  productsEquation,
  sizeFormula,
  stepCaption,
  walkConvolution,
} from "../lib/conv-steps";
import { formatValue } from "../lib/format";
import { el } from "./dom";
import type { View, ViewHost } from "./view";

const AUTOPLAY_MS = 900;

function table(
  rows: number,
  cols: number,
  cls: string,
): { table: HTMLTableElement; cells: HTMLTableCellElement[][] } {
  const cells: HTMLTableCellElement[][] = [];
  const t = el("table", { class: cls });
  for (let r = 0; r < rows; r++) {
    const tr = el("tr");
    cells.push([]);
    for (let c = 0; c < cols; c++) {
      const td = el("td", { "data-row": r, "data-col": c });
      tr.append(td);
      cells[r].push(td);
    }
    t.append(tr);
  }
  return { table: t, cells };
}

const figure = (content: Node, caption: string) =>
  el("figure", {}, content, el("figcaption", { class: "rcp-muted" }, caption));

export function convStepsView(payload: unknown, host: ViewHost): View {
  const p = payload as ConvStepsPayload;
  if (p === null || typeof p !== "object") throw new Error("conv steps: payload is not an object");
  if (p.version !== 1)
    throw new Error(`conv steps: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`);
  const walk: ConvWalk = walkConvolution(p);
  const total = walk.steps.length;
  const KH = walk.kernel.length;
  const KW = walk.kernel[0].length;
  const PH = walk.padded.length;
  const PW = walk.padded[0].length;
  const H = PH - 2 * walk.padding;
  const W = PW - 2 * walk.padding;

  const input = table(PH, PW, "rcp-conv-input");
  const kernel = table(KH, KW, "rcp-conv-kernel");
  const products = table(KH, KW, "rcp-conv-products");
  const output = table(walk.outH, walk.outW, "rcp-conv-output");
  kernel.cells.forEach((row, i) => {
    row.forEach((td, j) => {
      td.textContent = formatValue(walk.kernel[i][j]);
    });
  });

  const caption = el("div", { class: "rcp-caption", "aria-live": "polite" });
  const equation = el("div", { class: "rcp-equation" });
  const counter = el("span", { class: "rcp-muted rcp-counter" });
  const prev = el("button", { class: "rcp-prev", "aria-label": "previous step" }, "◀ Prev");
  const next = el("button", { class: "rcp-next rcp-primary", "aria-label": "next step" }, "Next ▶");
  const play = el("button", { class: "rcp-play", "aria-pressed": "false" }, "Play");
  const slider = el("input", { type: "range", min: 0, max: total, value: 0, step: 1, "aria-label": "step" });

  const root = el(
    "div",
    { class: "rcp rcp-conv", tabindex: 0, "aria-label": "convolution step-through: arrow keys step" },
    p.title ? el("div", { class: "rcp-title" }, p.title) : null,
    caption,
    el(
      "div",
      { class: "rcp-conv-row" },
      figure(input.table, `${H}x${W} image${walk.padding ? ` (padding ${walk.padding})` : ""}`),
      el("span", { class: "rcp-conv-op" }, "*"),
      figure(
        kernel.table,
        walk.dilation === 1
          ? `${KH}x${KW} filter`
          : `${(KH - 1) / walk.dilation + 1}x${(KW - 1) / walk.dilation + 1} filter, dilation ${walk.dilation} (spread to ${KH}x${KW})`,
      ),
      el("span", { class: "rcp-conv-op" }, "="),
      figure(output.table, `${walk.outH}x${walk.outW} output`),
    ),
    el("div", { class: "rcp-conv-row" }, figure(products.table, "products"), equation),
    el("div", { class: "rcp-toolbar" }, prev, next, play, slider, counter),
  );
  host.element.append(root);

  let step = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  function show(k: number) {
    step = Math.max(0, Math.min(total, k));
    const s = step > 0 ? walk.steps[step - 1] : undefined;
    for (let r = 0; r < PH; r++) {
      for (let c = 0; c < PW; c++) {
        const td = input.cells[r][c];
        const inWindow = s !== undefined && r >= s.top && r < s.top + KH && c >= s.left && c < s.left + KW;
        const pad = r < walk.padding || c < walk.padding || r >= PH - walk.padding || c >= PW - walk.padding;
        td.className = `${pad ? "rcp-pad" : ""}${inWindow ? " rcp-window" : ""}`.trim();
        td.replaceChildren(formatValue(walk.padded[r][c]));
        if (inWindow && s)
          td.append(
            el("span", { class: "rcp-weight" }, `×${formatValue(walk.kernel[r - s.top][c - s.left])}`),
          );
      }
    }
    products.cells.forEach((row, i) => {
      row.forEach((td, j) => {
        td.textContent = s ? formatValue(s.products[i][j]) : "";
      });
    });
    const out = outputSoFar(walk, step);
    output.cells.forEach((row, r) => {
      row.forEach((td, c) => {
        td.textContent = out[r][c] === null ? "" : formatValue(out[r][c] as number);
        td.className = s && s.row === r && s.col === c ? "rcp-current" : "";
      });
    });
    caption.textContent = stepCaption(walk, step);
    equation.textContent = s
      ? productsEquation(walk, step)
      : `Why ${walk.outH}x${walk.outW}? ${sizeFormula(walk)}`;
    counter.textContent = `step ${step} of ${total}`;
    slider.value = String(step);
    prev.disabled = step === 0;
    next.disabled = step === total;
    root.dataset.step = String(step);
  }

  function stop() {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (step === total) show(0);
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (step >= total) stop();
      else show(step + 1);
    }, AUTOPLAY_MS);
  }

  prev.addEventListener("click", () => {
    stop();
    show(step - 1);
  });
  next.addEventListener("click", () => {
    stop();
    show(step + 1);
  });
  play.addEventListener("click", () => (timer === undefined ? start() : stop()));
  slider.addEventListener("input", () => {
    stop();
    show(Number(slider.value));
  });
  root.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement) return; // the slider handles its own arrows
    const moves: Record<string, number> = {
      ArrowRight: step + 1,
      ArrowDown: step + 1,
      ArrowLeft: step - 1,
      ArrowUp: step - 1,
      Home: 0,
      End: total,
    };
    if (e.key in moves) {
      e.preventDefault();
      stop();
      show(moves[e.key]);
    }
  });

  show(0);
  return {
    dispose() {
      stop();
      root.remove();
    },
  };
}
