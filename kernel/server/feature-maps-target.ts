// The front end's "show the feature maps of layer L" request, for both transports: the Jupyter comm
// target `receptive.featureMaps` and the stdio protocol's `featureMaps` request. The answer comes
// from kernel/viz/feature-map-requests.ts, loaded on first use (it brings in the engine, which the
// kernel does not load at start).

import type { FeatureMapsReply } from "../display/payloads-viz";
import type { CommTarget } from "./comms";

const EXAMPLE = '{ type: "featureMaps", layer: "features.0", modelId?: "<the summary\'s modelId>" }';

/** Answers one request; a malformed request gets a reply whose `error` shows the expected shape. */
export async function featureMapsReply(request: unknown): Promise<FeatureMapsReply> {
  const r = (request ?? {}) as { type?: unknown; layer?: unknown; modelId?: unknown; sample?: unknown };
  const layer = typeof r.layer === "string" ? r.layer : "";
  const bad = (what: string): FeatureMapsReply => ({
    type: "featureMaps",
    layer,
    error: `featureMaps: ${what}; send ${EXAMPLE}`,
  });
  if (request === null || typeof request !== "object")
    return bad(`expected an object, got ${JSON.stringify(request)}`);
  if (r.type !== "featureMaps") return bad(`expected type "featureMaps", got ${JSON.stringify(r.type)}`);
  if (typeof r.layer !== "string")
    return bad(`expected layer to be a string, got ${JSON.stringify(r.layer)}`);
  if (r.modelId !== undefined && typeof r.modelId !== "string") {
    return bad(`expected modelId to be a string, got ${JSON.stringify(r.modelId)}`);
  }
  try {
    const { answerFeatureMapsRequest } = await import("../viz/feature-map-requests.js");
    return answerFeatureMapsRequest({ layer: r.layer, modelId: r.modelId, sample: r.sample === true });
  } catch (err) {
    return {
      type: "featureMaps",
      layer,
      error: `featureMaps: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** `receptive.featureMaps`: every comm_msg (and comm_open data that is a request) gets a reply. */
export const featureMapsTarget: CommTarget = async (comm, openData) => {
  if ((openData as { type?: unknown } | null)?.type === "featureMaps")
    comm.send(await featureMapsReply(openData));
  return { onMessage: async (data) => comm.send(await featureMapsReply(data)) };
};
