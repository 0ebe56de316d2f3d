// Messages between the activation explorer webview and the extension (extension/src/panel-service.ts
// answers them). Types only, shared by both sides.

import type { ImageGridPayload } from "../../kernel/display/payloads-viz";

export interface ModelInfo {
  name: string;
  type: string;
  /** Every submodule (dotted names); `filters` when it holds a 4-D conv weight. */
  layers: { name: string; type: string; filters: boolean }[];
}

export interface InputSourceInfo {
  name: string;
  /** "dataset" (a Dataset variable) or "tensor" (a (N, C, H, W) tensor variable). */
  kind: "dataset" | "tensor";
  length: number;
}

export type ExploreInput =
  | { kind: "dataset" | "tensor"; name: string; index: number }
  | { kind: "file"; path: string; size: number };

export interface ExploreRequest {
  model: string;
  layer: string;
  input: ExploreInput;
}

export interface ExploreResult {
  /** (1, C, H, W) input as the model saw it. */
  input: ImageGridPayload;
  /** The layer's output, one tile per channel. */
  featureMaps: ImageGridPayload;
  /** The layer's 4-D weight (OC, IC, KH, KW) as OC * IC tiles, when it has one. */
  filters?: ImageGridPayload;
  /** (OC, IC) of the filters, to find an output channel's tiles. */
  filterShape?: [number, number];
}

/** Webview -> extension. */
export type PanelRequest =
  | { type: "ready" }
  | { type: "refresh" }
  | { type: "explore"; ticket: number; request: ExploreRequest }
  | { type: "pickImage" };

/** Extension -> webview. */
export type PanelReply =
  | { type: "variables"; notebook?: string; models: ModelInfo[]; inputs: InputSourceInfo[]; error?: string }
  | { type: "explored"; ticket: number; result?: ExploreResult; error?: string }
  | { type: "imagePicked"; path: string }
  /** The panel was shown again: ask for the variables anew. */
  | { type: "refresh-request" };

/** What the panel remembers across reloads (getState/setState). */
export interface PanelState {
  model?: string;
  layer?: string;
  /** A variable name, or "file:" for an image file. */
  input?: string;
  index?: number;
  file?: string;
  size?: number;
  channel?: number;
}
