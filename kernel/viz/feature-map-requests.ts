// Which models the front end can ask about, and the answer to its "feature maps of layer L"
// requests. A model gets a `modelId` when `summary(...)` is displayed or it goes through
// viz.featureMaps; a forward pre-hook then keeps a detached copy of batch item 0 of the last
// input its forward saw, so clicking a layer in the summary shows that layer's output on it.
//
// Before any input has gone through a model, a request may ask for a sample instead: an image of the
// input shape the summary was made with (a bright square on a dark ground: its edges light up edge
// filters), clearly captioned as such.
//
// NOTE: the registry holds models through WeakRefs (a shown model can still be garbage
// collected) and keeps at most one input per model, skipped when one item is over 4M values
// (16 MB). Inputs seen by summary()'s shape-only pass are ignored (they are zeros).

import { randomUUID } from "node:crypto";
import type { FeatureMapsReply } from "../display/payloads-viz";
import { getBackend } from "../engine/backends/registry";
import { exitSafeRegistry } from "../engine/finalization";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { featureMapGrid } from "./feature-maps-grid";
import { as4d, layerOutput, resolveLayer } from "./layer-output";

const MAX_INPUT_VALUES = 1 << 22;

interface Entry {
  model: WeakRef<Module>;
  /** (1, ...) batch item 0 of the last input, or null before the first forward. */
  lastInput: Tensor | null;
  /** The input shape a summary was made with (batch first), for a sample. */
  inputShape?: number[];
}

const entries = new Map<string, Entry>();
const ids = new WeakMap<Module, string>();
// A collected model's entry (and its kept input) goes too.
const forget = exitSafeRegistry<string>(FinalizationRegistry, (id) => entries.delete(id));
let latest: string | undefined;

/** Batch item 0 of a forward's first argument as a detached (1, ...) tensor, or null. */
function firstItem(x: unknown): Tensor | null {
  if (!(x instanceof Tensor) || x.ndim === 0 || x.shape[0] === 0 || x.dtype !== "float32") return null;
  const per = x.numel / x.shape[0];
  if (per > MAX_INPUT_VALUES) return null;
  const src = x.contiguous().storage;
  return new Tensor(new Float32Array(src.subarray(0, per)), [1, ...x.shape.slice(1)]);
}

/**
 * Gives `model` a modelId (the same one every time) and starts keeping its last input.
 * `input`, when given, becomes the last input now; `inputShape` (a summary's) allows a sample.
 */
export function registerModel(model: Module, input?: Tensor, inputShape?: readonly number[]): string {
  let id = ids.get(model);
  if (id === undefined || !entries.has(id)) {
    id = randomUUID();
    const entry: Entry = { model: new WeakRef(model), lastInput: null };
    entries.set(id, entry);
    ids.set(model, id);
    forget.register(model, id);
    model.registerForwardPreHook((_m, inputs) => {
      if (getBackend() === "shapes") return; // summary()'s shape-only pass
      const item = firstItem(inputs[0]);
      if (item !== null) entry.lastInput = item;
    });
  }
  if (input !== undefined) {
    const item = firstItem(input);
    if (item !== null) (entries.get(id) as Entry).lastInput = item;
  }
  if (inputShape !== undefined && inputShape.length === 4)
    (entries.get(id) as Entry).inputShape = [...inputShape];
  latest = id;
  return id;
}

/** The modelId of a registered model, if it has one. */
export function modelIdOf(model: Module): string | undefined {
  const id = ids.get(model);
  return id !== undefined && entries.has(id) ? id : undefined;
}

/** The kept last input of a registered model ((1, ...) batch item 0), if any. */
export function lastInputOf(model: Module): Tensor | null {
  const id = modelIdOf(model);
  return id === undefined ? null : ((entries.get(id) as Entry).lastInput ?? null);
}

/**
 * The answer to a renderer's request: `layer`'s output on the model's last input as an image grid,
 * or an error saying why not. Without a modelId, the most recently registered model answers.
 */
export function answerFeatureMapsRequest(req: {
  modelId?: string;
  layer: string;
  sample?: boolean;
}): FeatureMapsReply {
  const layer = typeof req?.layer === "string" ? req.layer : String(req?.layer);
  const reply = (error: string): FeatureMapsReply => ({ type: "featureMaps", layer, error });
  const id = req?.modelId ?? latest;
  if (id === undefined)
    return reply(
      "no model has been shown yet; display summary(model, inputShape) or call viz.featureMaps first",
    );
  const entry = entries.get(id);
  const model = entry?.model.deref();
  if (entry === undefined || model === undefined) {
    entries.delete(id);
    return reply(
      "that model is gone (the kernel restarted or the variable was replaced); run the summary cell again",
    );
  }
  let target: Module;
  try {
    target = resolveLayer(model, layer, "featureMaps").module;
  } catch (e) {
    return reply(e instanceof Error ? e.message : String(e));
  }
  const useSample = entry.lastInput === null && req.sample === true && entry.inputShape !== undefined;
  if (entry.lastInput === null && !useSample) {
    const canSample = entry.inputShape !== undefined;
    return {
      ...reply(
        `no input has gone through ${model.constructor.name} yet; run model.forward(x) on an image, then click the layer again${canSample ? " (or run a sample image through it)" : ""}`,
      ),
      ...(canSample ? { canSample } : {}),
    };
  }
  const input = useSample ? sampleImage(entry.inputShape as number[]) : (entry.lastInput as Tensor);
  let out: unknown;
  try {
    out = layerOutput(model, input, target);
  } catch (e) {
    return reply(`running the model on its last input failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    if (useSample) entry.lastInput = null; // the forward pre-hook kept the sample: it is not a real input
  }
  if (out === undefined) return reply(`layer "${layer}" did not run in ${model.constructor.name}'s forward`);
  const maps = as4d(out, layer);
  if (typeof maps === "string") return reply(maps);
  const grid = featureMapGrid(maps, layer, { type: target.constructor.name });
  if (useSample) grid.title = `${grid.title} on a sample image (a bright square)`;
  return { type: "featureMaps", layer, grid, input: useSample ? "sample" : "last" };
}

/** (1, C, H, W): 1 inside a centred square of half the size, 0 around it. */
export function sampleImage(shape: readonly number[]): Tensor {
  const [, C, H, W] = shape;
  const data = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let y = Math.floor(H / 4); y < Math.ceil((3 * H) / 4); y++)
      for (let x = Math.floor(W / 4); x < Math.ceil((3 * W) / 4); x++) data[c * H * W + y * W + x] = 1;
  return new Tensor(data, [1, C, H, W]);
}

/** Forgets every model (for tests). */
export function clearModelRegistry(): void {
  entries.clear();
  latest = undefined;
}
