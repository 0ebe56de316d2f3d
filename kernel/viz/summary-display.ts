// How a summary shows itself in a notebook: the layer table for the Receptive renderer (the
// model-summary payload of kernel/display/payloads-viz.ts), with the text table as HTML and plain
// text fallbacks. The summarised model gets a modelId (feature-map-requests.ts), which the
// renderer sends back when a layer is clicked.

import { type ModelSummaryPayload, VIZ_MIME } from "../display/payloads-viz";
import type { MimeBundle } from "../display/schema";
import type { ModelSummary } from "../engine/nn/summary";
import { registerModel } from "./feature-map-requests";
import { escapeHtml } from "./html";

export function summaryBundle(s: ModelSummary): MimeBundle {
  const text = s.toString();
  const modelId = s.model ? registerModel(s.model, undefined, s.inputShapes[0]) : undefined;
  const payload: ModelSummaryPayload = {
    version: 1,
    model: s.modelName,
    inputShapes: s.inputShapes,
    layers: s.layers,
    totals: {
      totalParams: s.totalParams,
      trainableParams: s.trainableParams,
      nonTrainableParams: s.nonTrainableParams,
      totalMultAdds: s.totalMultAdds,
      inputBytes: s.inputBytes,
      forwardBackwardBytes: s.forwardBackwardBytes,
      paramsBytes: s.paramsBytes,
      totalBytes: s.totalBytes,
    },
    ...(modelId ? { modelId } : {}),
  };
  return {
    [VIZ_MIME.modelSummary]: payload,
    "text/html": `<pre>${escapeHtml(text)}</pre>`,
    "text/plain": text,
  };
}
