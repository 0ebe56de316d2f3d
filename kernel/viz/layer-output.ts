// Runs a model once and keeps one layer's output: the forward-hook capture behind
// viz.featureMaps and the renderer's "show this layer's feature maps" requests. The pass runs in
// eval mode (dropout off, batch norm on its running statistics) without gradients, and puts every
// module's mode back afterwards.

import { noGrad } from "../engine/autograd/grad-mode";
import { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";

/** The module at a dotted name ("features.3") or the module itself, with its dotted name. */
export function resolveLayer(
  model: Module,
  layer: string | Module,
  fn: string,
): { name: string; module: Module } {
  if (layer instanceof Module) {
    const found = model.namedModules().find(([, m]) => m === layer);
    if (found === undefined)
      throw new Error(
        `${fn}: the layer ${layer.constructor.name} is not part of this ${model.constructor.name}; pass one of its layers or a dotted name such as ${exampleNames(model)}`,
      );
    return { name: found[0], module: layer };
  }
  if (typeof layer !== "string")
    throw new TypeError(
      `${fn}: layer must be a dotted name such as "features.0" or a module, got ${typeof layer}`,
    );
  const found = model.namedModules().find(([n]) => n === layer);
  if (found === undefined)
    throw new Error(
      `${fn}: ${model.constructor.name} has no layer "${layer}"; its layers are ${exampleNames(model)}`,
    );
  return { name: layer, module: found[1] };
}

function exampleNames(model: Module): string {
  const names = model
    .namedModules()
    .map(([n]) => n)
    .filter((n) => n !== "");
  const shown = names.slice(0, 12).map((n) => `"${n}"`);
  return (shown.join(", ") || "(none)") + (names.length > 12 ? `, ... (${names.length} in all)` : "");
}

/** `layer`'s output (its first call) when `model` runs on `input`; undefined when the layer did not run. */
export function layerOutput(model: Module, input: Tensor, layer: Module): unknown {
  let captured: unknown;
  let seen = false;
  const handle = layer.registerForwardHook((_m, _inputs, output) => {
    if (!seen) captured = output;
    seen = true;
  });
  const modes = model.modules().map((m) => m.training);
  try {
    model.eval();
    noGrad(() => model.forward(input));
  } finally {
    handle.remove();
    model.modules().forEach((m, i) => {
      m.training = modes[i];
    });
  }
  return seen ? captured : undefined;
}

/** A layer output as a 4-D tensor, or a message saying why it is not one. */
export function as4d(output: unknown, layerName: string): Tensor | string {
  const out = Array.isArray(output) ? output[0] : output;
  if (!(out instanceof Tensor)) return `layer "${layerName}" did not return a tensor`;
  if (out.ndim !== 4)
    return `layer "${layerName}" outputs shape [${out.shape.join(", ")}], not 4-D (N, C, H, W) feature maps; pick a conv, pooling or activation layer before the flatten`;
  return out;
}
