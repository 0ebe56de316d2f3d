// The payloads of Receptive's own MIME types, shared by the kernel (which writes them) and the
// renderers in webviews/ (which draw them). Bump a payload's `version` when its shape changes.

export const TENSOR_MIME = "application/vnd.receptive.tensor+json";

/** A tensor as the renderers see it: shape, dtype, summary statistics and (possibly strided) values. */
export interface TensorPayload {
  version: 1;
  shape: number[];
  dtype: "float32" | "int64" | "bool";
  requiresGrad: boolean;
  /** Name of the op that produced it, when it is part of an autograd graph. */
  gradFn: string | null;
  stats: { min: number; max: number; mean: number; std: number };
  /**
   * Row-major values of the whole tensor when `truncated` is false; otherwise the first
   * `values.length` values only (big tensors are previewed through the image/png fallback).
   * NaN and ±Infinity are written as null (JSON has no such numbers).
   */
  values: (number | null)[];
  truncated: boolean;
}

/** A MIME bundle: one entry per representation, as Jupyter's display_data `data` field. */
export type MimeBundle = Record<string, unknown>;
