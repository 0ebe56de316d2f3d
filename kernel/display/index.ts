// Rich outputs for notebooks: `display`, MIME bundles for any value, tensor pictures, the shared
// payload schema and the PNG encoder.

export { type Display, type DisplayHandle, display } from "./display-api";
export { JUPYTER_DISPLAY, plainText, toMimeBundle } from "./mime";
export { encodePng } from "./png";
export { type MimeBundle, TENSOR_MIME, type TensorPayload } from "./schema";
export { type DisplaySink, setDisplaySinkProvider } from "./sink";
export { tensorBundle, tensorHeatmap, tensorPayload, tensorTable } from "./tensor-view";
