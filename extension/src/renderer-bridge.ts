// Renderer -> extension -> kernel messaging: the model-summary renderer posts
// { type: "featureMaps", layer, modelId?, sample? }; we ask the kernel with the stdio request
// { type: "featureMaps", modelId, layer, sample } and answer the renderer with { type: "featureMaps",
// layer, grid?, error?, canSample?, input? } (FeatureMapsReply in kernel/display/payloads-viz.ts).
// Anything else is ignored.

import type { FeatureMapsReply } from "../../kernel/display/payloads-viz";
import type { KernelClient } from "./kernel-client";

export function isFeatureMapsRequest(
  m: unknown,
): m is { type: "featureMaps"; layer: string; modelId?: string; sample?: boolean } {
  if (m === null || typeof m !== "object") return false;
  const r = m as Record<string, unknown>;
  return r.type === "featureMaps" && typeof r.layer === "string";
}

/** The reply for the renderer, or undefined when `message` is not a request we know. */
export async function answerRendererMessage(
  client: Pick<KernelClient, "request" | "status">,
  message: unknown,
): Promise<FeatureMapsReply | undefined> {
  if (!isFeatureMapsRequest(message)) return undefined;
  const { layer, modelId, sample } = message;
  if (client.status === "dead" || client.status === "stopped") {
    return {
      type: "featureMaps",
      layer,
      error: "The Receptive kernel is not running: run the cells again first.",
    };
  }
  try {
    const reply = await client.request({
      type: "featureMaps",
      layer,
      ...(modelId === undefined ? {} : { modelId }),
      ...(sample === true ? { sample } : {}),
    });
    if (reply.type === "featureMaps_reply") {
      const r = reply as Omit<FeatureMapsReply, "type">;
      return {
        type: "featureMaps",
        layer,
        ...(r.grid ? { grid: r.grid } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.canSample ? { canSample: true } : {}),
        ...(r.input ? { input: r.input } : {}),
      };
    }
    const detail =
      reply.type === "error_reply" ? String((reply as { message?: unknown }).message) : reply.type;
    const hint = /unknown request type/.test(detail)
      ? " (this kernel cannot send feature maps yet; update Receptive)"
      : "";
    return { type: "featureMaps", layer, error: `featureMaps: the kernel answered ${detail}${hint}` };
  } catch (err) {
    return { type: "featureMaps", layer, error: err instanceof Error ? err.message : String(err) };
  }
}
