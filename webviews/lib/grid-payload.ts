// Checks an image-grid payload and fills in its defaults: decoded values, tile captions, which
// samples the model got wrong. Pure: the grid view and the Node tests share it.

import type { ImageGridPayload } from "../../kernel/display/payloads-viz";
import { decodeNumeric } from "./packed";

export interface GridModel {
  payload: ImageGridPayload;
  N: number;
  C: number;
  H: number;
  W: number;
  values: Float32Array;
  captions: string[];
  /** wrong[k]: sample k's prediction differs from its label (false when there are no predictions) */
  wrong: boolean[];
}

const className = (p: ImageGridPayload, i: number) => p.classNames?.[i] ?? String(i);

export function gridModel(raw: unknown): GridModel {
  const p = raw as ImageGridPayload;
  if (p === null || typeof p !== "object") throw new Error("image grid: payload is not an object");
  if (p.version !== 1)
    throw new Error(`image grid: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`);
  const shape = p.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(
      `image grid: shape must be (N, C, H, W) non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  const [N, C, H, W] = shape;
  if (C !== 1 && C !== 3) throw new Error(`image grid: C must be 1 (maps) or 3 (RGB), got ${C}`);
  for (const key of ["labels", "predictions", "tileLabels"] as const) {
    const list = p[key];
    if (list !== undefined && (!Array.isArray(list) || list.length !== N)) {
      throw new Error(
        `image grid: ${key} must have one entry per tile (${N}), got ${Array.isArray(list) ? list.length : typeof list}`,
      );
    }
  }
  const values = decodeNumeric(p.data, N * C * H * W, "image grid");
  const wrong = Array.from(
    { length: N },
    (_, k) => p.predictions !== undefined && p.labels !== undefined && p.predictions[k] !== p.labels[k],
  );
  const captions = Array.from({ length: N }, (_, k) => {
    if (p.tileLabels) return p.tileLabels[k];
    if (p.labels && p.predictions) {
      return wrong[k]
        ? `${className(p, p.predictions[k])} (true ${className(p, p.labels[k])})`
        : className(p, p.predictions[k]);
    }
    if (p.labels) return className(p, p.labels[k]);
    if (p.predictions) return className(p, p.predictions[k]);
    return p.kind === "samples" ? `#${k}` : p.kind === "filters" ? `filter ${k}` : `ch ${k}`;
  });
  return { payload: p, N, C, H, W, values, captions, wrong };
}
