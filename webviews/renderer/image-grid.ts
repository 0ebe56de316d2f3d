// Image grids (feature maps, filters, samples, tensors): one small canvas per tile painted with
// ImageData, per-tile or shared colour ranges, a hover read-out (tile, row, column, value), click or
// Enter to enlarge, arrow keys between tiles, and wrong predictions highlighted under samples.
// Small tiles (lib/tile-values.ts) also print their values in bordered cells over the colours;
// constant tiles are marked ("all 0, dead") and painted in the grid's shared range, not mid-map.

import { type ColormapName, colormapLut } from "../lib/colormaps";
import { formatInt, formatValue } from "../lib/format";
import { type GridModel, gridModel } from "../lib/grid-payload";
import {
  chooseColormap,
  finiteRange,
  legendEnds,
  paintRgbTile,
  paintScalarTile,
  type Range,
  tileRanges,
} from "../lib/normalize";
import { enlargedZoom, neighbourTile, pixelUnder, tileZoom } from "../lib/tile-layout";
import {
  cellSize,
  constantNote,
  describePixel,
  formatCell,
  gridCountLabel,
  showsNumbers,
  textColourOn,
} from "../lib/tile-values";
import { el, isActivateKey } from "./dom";
import type { View, ViewHost } from "./view";

const HINT = "Hover a tile to read its values; click it (or Enter) to enlarge.";

export function imageGridView(payload: unknown, host: ViewHost): View {
  const grid = mountImageGrid(gridModel(payload), host.element);
  return { dispose: () => grid.remove() };
}

/** Draws a grid into `parent` and returns its root element (also used by the tensor and summary views). */
export function mountImageGrid(m: GridModel, parent: HTMLElement): HTMLElement {
  const { N, C, H, W, values, payload: p } = m;
  const tileSize = C * H * W;
  const overall = finiteRange(values);
  let mode: "perChannel" | "shared" =
    p.normalize ?? (p.kind === "samples" || p.kind === "tensor" ? "shared" : "perChannel");
  let mapSetting: "auto" | ColormapName = p.colormap ?? "auto";
  let ranges: Range[] = [];
  let map: ColormapName = "viridis";
  const zoom = tileZoom(H, W);
  const numbers = showsNumbers(N, C, H, W);
  const labels = numbers ? Array.from(values, formatCell) : [];
  const cell = numbers ? cellSize(labels) : { width: zoom, height: zoom };

  const root = el("div", { class: "rcp rcp-grid", "data-kind": p.kind });
  const readout = el("div", { class: "rcp-readout", "aria-live": "polite" }, HINT);
  const rangeText = el("span", { class: "rcp-muted rcp-range" });
  const toolbar = el(
    "div",
    { class: "rcp-toolbar" },
    p.title ? el("span", { class: "rcp-title" }, p.title) : null,
    el(
      "span",
      { class: "rcp-muted" },
      `${gridCountLabel(p.kind, N, C, H, W, formatInt(N))}${p.layer ? ` · ${p.layer}` : ""}`,
    ),
  );
  const normSelect = el(
    "select",
    { "aria-label": "colour range", class: "rcp-normalize" },
    el("option", { value: "perChannel" }, "range per tile"),
    el("option", { value: "shared" }, "one range for all"),
  );
  normSelect.value = mode;
  normSelect.addEventListener("change", () => {
    mode = normSelect.value as typeof mode;
    repaint();
  });
  toolbar.append(normSelect);
  if (C === 1) {
    const mapSelect = el(
      "select",
      { "aria-label": "colour map", class: "rcp-colormap" },
      ...["auto", "diverging", "viridis", "grey"].map((v) => el("option", { value: v }, v)),
    );
    mapSelect.value = mapSetting;
    mapSelect.addEventListener("change", () => {
      mapSetting = mapSelect.value as typeof mapSetting;
      repaint();
    });
    toolbar.append(mapSelect);
  }
  // Colour bar: the whole map, labelled with the values at its ends (shared range) or low/high.
  const legendBar = el("canvas", { width: 256, height: 1, class: "rcp-legend-bar", "aria-hidden": "true" });
  const legendLo = el("span", { class: "rcp-muted rcp-legend-lo" });
  const legendHi = el("span", { class: "rcp-muted rcp-legend-hi" });
  if (C === 1) toolbar.append(el("span", { class: "rcp-legend" }, legendLo, legendBar, legendHi));
  toolbar.append(rangeText);

  const enlarged = el("div", { class: "rcp-enlarged", hidden: true });
  const tilesBox = el("div", { class: "rcp-tiles", role: "group", "aria-label": "tiles" });
  const canvases: HTMLCanvasElement[] = [];
  const figures: HTMLElement[] = [];
  const cellTexts: HTMLElement[][] = [];
  const notes: HTMLElement[] = [];
  for (let k = 0; k < N; k++) {
    const canvas = el("canvas", { width: W, height: H, "data-index": k });
    const width = W * cell.width;
    const height = H * cell.height;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const box = el("div", { class: "rcp-cells" }, canvas);
    box.style.width = `${width}px`;
    box.style.height = `${height}px`;
    if (numbers) {
      // The values over their colours, one bordered cell each; the canvas below gets the pointer.
      const grid = el("div", { class: "rcp-numbers rcp-mono", "aria-hidden": "true" });
      grid.style.gridTemplateColumns = `repeat(${W}, ${cell.width}px)`;
      grid.style.gridTemplateRows = `repeat(${H}, ${cell.height}px)`;
      const texts = Array.from({ length: H * W }, (_, i) => el("span", {}, labels[k * tileSize + i]));
      grid.append(...texts);
      box.append(grid);
      cellTexts.push(texts);
    }
    const note = el("div", { class: "rcp-note", hidden: true });
    const figure = el(
      "figure",
      {
        class: m.wrong[k] ? "rcp-tile rcp-wrong" : "rcp-tile",
        tabindex: k === 0 ? 0 : -1,
        role: "button",
        "aria-label": `${m.captions[k] || "tile"}: enlarge`,
        "data-index": k,
      },
      box,
      el("figcaption", { title: m.captions[k] }, m.captions[k]),
      note,
    );
    figure.style.maxWidth = `${Math.max(width, 40) + 4}px`;
    canvases.push(canvas);
    figures.push(figure);
    notes.push(note);
  }
  tilesBox.append(...figures);
  if (numbers) {
    const toggle = el("button", { class: "rcp-numbers-toggle", "aria-pressed": "true" }, "numbers");
    toggle.title = "Show or hide the values in the tiles";
    toggle.addEventListener("click", () => {
      const on = root.classList.toggle("rcp-hide-numbers") === false;
      toggle.setAttribute("aria-pressed", String(on));
    });
    toolbar.append(toggle);
  }
  root.append(toolbar, readout, enlarged, tilesBox);
  parent.append(root);

  const scratch = new ImageData(Math.max(1, W), Math.max(1, H));
  function paint(canvas: HTMLCanvasElement, k: number) {
    const ctx = canvas.getContext("2d");
    if (!ctx || H * W === 0) return;
    if (canvas.width !== W || canvas.height !== H) {
      canvas.width = W;
      canvas.height = H;
    }
    if (C === 1) paintScalarTile(scratch.data, values, k * tileSize, H * W, paintRange(k), map);
    else paintRgbTile(scratch.data, values, k * tileSize, H * W, ranges[k]);
    ctx.putImageData(scratch, 0, 0);
    const texts = cellTexts[k];
    if (texts && canvas === canvases[k]) {
      for (let i = 0; i < texts.length; i++)
        texts[i].style.color = textColourOn(scratch.data.subarray(4 * i));
    }
  }

  /** A constant tile has no range of its own: it takes the grid's, so a dead map is not mid-map. */
  function paintRange(k: number): Range {
    return ranges[k].lo === ranges[k].hi ? overall : ranges[k];
  }

  let enlargedIndex = -1;
  function repaint() {
    ranges = tileRanges(values, N, tileSize, mode);
    map = chooseColormap(mapSetting, p.kind, overall);
    root.dataset.colormap = C === 1 ? map : "rgb";
    root.dataset.normalize = mode;
    rangeText.textContent =
      mode === "shared"
        ? `range [${formatValue(overall.lo)}, ${formatValue(overall.hi)}]${C === 1 ? ` · ${map}` : ""}`
        : C === 1
          ? map
          : "";
    if (C === 1) {
      const lut = colormapLut(map);
      const bar = new ImageData(256, 1);
      for (let i = 0; i < 256; i++) bar.data.set([lut[3 * i], lut[3 * i + 1], lut[3 * i + 2], 255], 4 * i);
      legendBar.getContext("2d")?.putImageData(bar, 0, 0);
      const [lo, hi] = legendEnds(overall, map);
      legendLo.textContent = mode === "shared" ? formatValue(lo) : map === "diverging" ? "−|max|" : "min";
      legendHi.textContent = mode === "shared" ? formatValue(hi) : map === "diverging" ? "+|max|" : "max";
    }
    for (let k = 0; k < N; k++) {
      paint(canvases[k], k);
      const own = C === 1 ? finiteRange(values, k * tileSize, (k + 1) * tileSize) : ranges[k];
      const finite = C === 1 && values.subarray(k * tileSize, (k + 1) * tileSize).every(Number.isFinite);
      const note = constantNote(own, p.kind, finite && H * W > 1);
      notes[k].textContent = note ?? "";
      notes[k].hidden = note === null;
    }
    if (enlargedIndex >= 0) paint(enlarged.querySelector("canvas") as HTMLCanvasElement, enlargedIndex);
  }

  function describe(k: number, x: number, y: number): string {
    const base = k * tileSize + y * W + x;
    const value =
      C === 1
        ? formatValue(values[base])
        : `rgb(${[0, 1, 2].map((c) => formatValue(values[base + c * H * W])).join(", ")})`;
    const range =
      mode === "perChannel"
        ? ` · tile range [${formatValue(ranges[k].lo)}, ${formatValue(ranges[k].hi)}]`
        : "";
    return `${describePixel(m.captions[k], x, y, value)}${range}`;
  }

  function onPointer(e: MouseEvent) {
    const canvas = (e.target as HTMLElement).closest("canvas");
    if (!canvas) return;
    const k = Number(canvas.dataset.index);
    const px = pixelUnder(e.offsetX, e.offsetY, canvas.clientWidth, canvas.clientHeight, W, H);
    if (px && Number.isInteger(k)) readout.textContent = describe(k, px.x, px.y);
  }
  const resetReadout = () => {
    readout.textContent = HINT;
  };
  tilesBox.addEventListener("mousemove", onPointer);
  tilesBox.addEventListener("mouseleave", resetReadout);
  enlarged.addEventListener("mousemove", onPointer);

  function closeEnlarged() {
    if (enlargedIndex < 0) return;
    const back = figures[enlargedIndex];
    enlargedIndex = -1;
    enlarged.hidden = true;
    enlarged.replaceChildren();
    back.focus();
  }

  function enlarge(k: number) {
    enlargedIndex = k;
    const z = enlargedZoom(H, W);
    const canvas = el("canvas", {
      width: W,
      height: H,
      "data-index": k,
      "aria-label": `${m.captions[k]} enlarged`,
    });
    canvas.style.width = `${W * z}px`;
    canvas.style.height = `${H * z}px`;
    const close = el("button", { class: "rcp-close", onclick: closeEnlarged }, "Close");
    enlarged.replaceChildren(
      canvas,
      el(
        "div",
        {},
        el("div", { class: "rcp-title" }, m.captions[k]),
        el(
          "div",
          { class: "rcp-muted" },
          `range [${formatValue(ranges[k].lo)}, ${formatValue(ranges[k].hi)}]`,
        ),
        close,
      ),
    );
    enlarged.hidden = false;
    paint(canvas, k);
    close.focus();
  }
  enlarged.addEventListener("keydown", (e) => {
    if (e.key === "Escape") closeEnlarged();
  });

  function focusTile(k: number) {
    for (const f of figures) f.tabIndex = -1;
    figures[k].tabIndex = 0;
    figures[k].focus();
  }
  const columns = () => {
    const top = figures[0]?.offsetTop;
    let n = 0;
    while (n < figures.length && figures[n].offsetTop === top) n++;
    return Math.max(1, n);
  };
  tilesBox.addEventListener("click", (e) => {
    const figure = (e.target as HTMLElement).closest("figure");
    if (figure) enlarge(Number(figure.dataset.index));
  });
  tilesBox.addEventListener("keydown", (e) => {
    const figure = (e.target as HTMLElement).closest("figure");
    if (!figure) return;
    const k = Number(figure.dataset.index);
    if (isActivateKey(e)) {
      e.preventDefault();
      enlarge(k);
      return;
    }
    const next = neighbourTile(k, e.key, columns(), N);
    if (next !== null) {
      e.preventDefault();
      focusTile(next);
      readout.textContent = `${m.captions[next]} · range [${formatValue(ranges[next].lo)}, ${formatValue(ranges[next].hi)}]`;
    }
  });

  repaint();
  return root;
}
