// The activation explorer (a VS Code webview panel): pick a model variable from the notebook's
// kernel, one of its layers and an input (a sample of a dataset or tensor variable, or an image
// file), then see that layer's filters and feature maps side by side and step through the channels
// (buttons, slider, arrow keys). Choices survive a reload through getState/setState; the extension's
// WebviewPanelSerializer brings the panel back with them. Messages: messages.ts.

import { gridModel } from "../lib/grid-payload";
import { el } from "../renderer/dom";
import { mountImageGrid } from "../renderer/image-grid";
import { installStyles } from "../renderer/styles";
import { channelCount, clampChannel, featureMapOf, filtersOf, layerLabel } from "./channels";
import { button, dropdown, registerControls, textField } from "./controls";
import type {
  ExploreResult,
  InputSourceInfo,
  ModelInfo,
  PanelReply,
  PanelRequest,
  PanelState,
} from "./messages";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const FILE = "file:";

const PANEL_CSS = `
.rcp-panel { padding: 8px 4px; }
.rcp-panel .rcp-toolbar { gap: 8px; }
.rcp-file-group { display: inline-flex; gap: 6px; align-items: center; }
.rcp-side { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin: 8px 0; }
.rcp-side > figure { margin: 0; flex: 1 1 0; min-width: 220px; }
.rcp-side .rcp-toolbar { font-size: 11px; }
.rcp-slider { width: 240px; }
.rcp-details h3 { font-size: 1em; margin: 12px 0 4px; }
`;

export function startPanel(vscode: VsCodeApi, root: HTMLElement): void {
  registerControls();
  installStyles(document);
  const style = document.createElement("style");
  style.textContent = PANEL_CSS;
  document.head.append(style);
  let state: PanelState = {
    index: 0,
    size: 28,
    channel: 0,
    ...((vscode.getState() as PanelState | undefined) ?? {}),
  };
  // Reopened with a complete choice: explore it again once the variables arrive.
  let reexplore = Boolean(state.model && state.layer);
  let models: ModelInfo[] = [];
  let inputs: InputSourceInfo[] = [];
  let result: ExploreResult | undefined;
  let ticket = 0;
  const post = (m: PanelRequest) => vscode.postMessage(m);
  const save = (patch: Partial<PanelState>) => {
    state = { ...state, ...patch };
    vscode.setState(state);
  };

  const status = el(
    "div",
    { class: "rcp-muted rcp-status", role: "status", "aria-live": "polite" },
    "Asking the kernel for its models…",
  );
  const modelSelect = dropdown("model", "rcp-model", (v) => {
    save({ model: v, layer: undefined, channel: 0 });
    fillLayers();
  });
  const layerSelect = dropdown("layer", "rcp-layer", (v) => save({ layer: v, channel: 0 }));
  const inputSelect = dropdown("input", "rcp-input", (v) => {
    save({ input: v });
    showInputFields();
  });
  const indexField = textField("sample index", "rcp-index", String(state.index ?? 0), (v) =>
    save({ index: Number(v) }),
  );
  const fileField = textField("image file", "rcp-file", state.file ?? "", (v) => save({ file: v }));
  const sizeField = textField("size (pixels)", "rcp-size", String(state.size ?? 28), (v) =>
    save({ size: Number(v) }),
  );
  const browse = button("Browse…", "rcp-browse", () => post({ type: "pickImage" }));
  const show = button("Show", "rcp-show", () => explore(), true);
  const refresh = button("Refresh", "rcp-refresh", () => post({ type: "refresh" }));
  const fileGroup = el("span", { class: "rcp-file-group" }, fileField.element, browse, sizeField.element);

  const prev = button("◀ Prev", "rcp-prev", () => setChannel((state.channel ?? 0) - 1));
  const next = button("Next ▶", "rcp-next", () => setChannel((state.channel ?? 0) + 1));
  const slider = el("input", {
    type: "range",
    min: 0,
    max: 0,
    value: 0,
    class: "rcp-slider",
    "aria-label": "channel",
  });
  slider.addEventListener("input", () => setChannel(Number(slider.value)));
  const channelText = el("span", { class: "rcp-channel" });
  const stepper = el(
    "div",
    { class: "rcp-toolbar rcp-stepper", hidden: true },
    prev,
    slider,
    next,
    channelText,
  );

  const inputView = el("figure", { class: "rcp-side-input" });
  const filterView = el("figure", { class: "rcp-side-filters" });
  const mapView = el("figure", { class: "rcp-side-map" });
  const side = el("div", { class: "rcp-side", hidden: true }, inputView, filterView, mapView);
  const allMaps = el("div", { class: "rcp-all-maps" });
  const allFilters = el("div", { class: "rcp-all-filters" });
  const details = el(
    "div",
    { class: "rcp-details", hidden: true },
    el("h3", {}, "All feature maps"),
    allMaps,
    el("h3", { class: "rcp-all-filters-title" }, "All filters"),
    allFilters,
  );

  root.replaceChildren(
    el(
      "main",
      { class: "rcp rcp-panel" },
      el(
        "div",
        { class: "rcp-toolbar" },
        modelSelect.element,
        layerSelect.element,
        inputSelect.element,
        indexField.element,
        fileGroup,
        show,
        refresh,
      ),
      status,
      stepper,
      side,
      details,
    ),
  );
  root.addEventListener("keydown", (e) => {
    // Text fields keep their arrows; the slider moves itself (its input event sets the channel).
    if (!result || e.target === slider || (e.target as HTMLElement).closest("vscode-text-field")) return;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") setChannel((state.channel ?? 0) + 1);
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") setChannel((state.channel ?? 0) - 1);
  });

  function fillLayers(): void {
    const model = models.find((m) => m.name === state.model);
    const layers = model?.layers ?? [];
    layerSelect.setChoices(
      layers.map((l) => ({ value: l.name, label: layerLabel(l.name, l.type) })),
      state.layer ?? layers.find((l) => l.filters)?.name,
    );
    save({ layer: layerSelect.value || undefined });
  }

  function showInputFields(): void {
    const isFile = inputSelect.value === FILE;
    fileGroup.hidden = !isFile;
    indexField.element.hidden = isFile;
  }

  function explore(): void {
    const model = modelSelect.value;
    const layer = layerSelect.value;
    const input = inputSelect.value;
    if (!model || !layer) {
      setStatus("Define a model (an nn.Module variable) in the notebook, run it, then Refresh.");
      return;
    }
    const request =
      input === FILE
        ? {
            model,
            layer,
            input: { kind: "file" as const, path: fileField.value, size: Number(sizeField.value) || 28 },
          }
        : {
            model,
            layer,
            input: {
              kind: inputs.find((i) => i.name === input)?.kind ?? ("dataset" as const),
              name: input,
              index: Number(indexField.value) || 0,
            },
          };
    if (!input) {
      setStatus("Pick an input: a dataset or tensor variable, or an image file.");
      return;
    }
    save({
      model,
      layer,
      input,
      index: Number(indexField.value) || 0,
      file: fileField.value,
      size: Number(sizeField.value) || 28,
    });
    setStatus(`Running ${model} up to ${layer}…`);
    post({ type: "explore", ticket: ++ticket, request });
  }

  function setStatus(text: string, error = false): void {
    status.textContent = text;
    status.classList.toggle("rcp-error", error);
  }

  function setChannel(c: number): void {
    if (!result) return;
    const count = channelCount(result);
    const channel = clampChannel(c, count);
    save({ channel });
    slider.max = String(count - 1);
    slider.value = String(channel);
    channelText.textContent = `channel ${channel} of ${count}`;
    draw(mapView, "feature map", featureMapOf(result, channel));
    const filters = filtersOf(result, channel);
    filterView.hidden = !filters;
    if (filters) draw(filterView, "filters", filters);
  }

  function draw(target: HTMLElement, caption: string, payload: unknown): void {
    target.replaceChildren(el("figcaption", { class: "rcp-title" }, caption));
    mountImageGrid(gridModel(payload), target);
  }

  /** After an error the old pictures go: they belonged to another question. */
  function clearResult(): void {
    result = undefined;
    stepper.hidden = true;
    side.hidden = true;
    details.hidden = true;
    for (const view of [inputView, filterView, mapView, allMaps, allFilters]) view.replaceChildren();
  }

  function showResult(r: ExploreResult): void {
    result = r;
    stepper.hidden = false;
    side.hidden = false;
    details.hidden = false;
    draw(inputView, "input", r.input);
    allMaps.replaceChildren();
    mountImageGrid(gridModel(r.featureMaps), allMaps);
    allFilters.replaceChildren();
    if (r.filters) mountImageGrid(gridModel(r.filters), allFilters);
    (details.querySelector(".rcp-all-filters-title") as HTMLElement).hidden = !r.filters;
    setChannel(state.channel ?? 0);
    const [C, , H, W] = r.featureMaps.shape;
    const layer = models.find((x) => x.name === state.model)?.layers.find((l) => l.name === state.layer);
    setStatus(
      `${state.model} · ${layerLabel(state.layer ?? "", layer?.type)}: ${C} feature map${C === 1 ? "" : "s"} of ${H}x${W}${r.filterShape ? `; filters ${r.filterShape.join("x")} (out x in channels)` : ""}`,
    );
  }

  window.addEventListener("message", (event: MessageEvent) => {
    const m = event.data as PanelReply;
    if (m?.type === "variables") {
      models = m.models;
      inputs = m.inputs;
      if (m.error) setStatus(m.error, true);
      else if (!models.length)
        setStatus("No nn.Module variables yet: run the notebook's model cell, then Refresh.");
      else
        setStatus(
          `${models.length} model${models.length === 1 ? "" : "s"} in ${m.notebook ?? "the notebook"}. Pick a layer and an input, then Show.`,
        );
      modelSelect.setChoices(
        models.map((x) => ({ value: x.name, label: `${x.name} (${x.type})` })),
        state.model,
      );
      save({ model: modelSelect.value || undefined });
      fillLayers();
      inputSelect.setChoices(
        [
          ...inputs.map((i) => ({
            value: i.name,
            label: `${i.name} (${i.length} ${i.kind === "tensor" ? "images" : "samples"})`,
          })),
          { value: FILE, label: "image file…" },
        ],
        state.input ?? inputs[0]?.name ?? FILE,
      );
      save({ input: inputSelect.value });
      showInputFields();
      if (reexplore && !result && models.some((x) => x.name === state.model)) queueMicrotask(explore);
      reexplore = false;
    } else if (m?.type === "explored") {
      if (m.ticket !== ticket) return; // an older answer
      if (m.error || !m.result) {
        clearResult();
        setStatus(m.error ?? "The kernel sent no result.", true);
      } else showResult(m.result);
    } else if (m?.type === "refresh-request") {
      post({ type: "refresh" });
    } else if (m?.type === "imagePicked") {
      fileField.value = m.path;
      save({ file: m.path, input: FILE });
    }
  });
  post({ type: "ready" });
}

if (typeof acquireVsCodeApi === "function") {
  startPanel(acquireVsCodeApi(), document.getElementById("root") ?? document.body);
}
