// Rich outputs for notebooks: `display`, MIME bundles for any value (an object's own
// Symbol.for("Jupyter.display") method, then the formatter registered for its class), the shared
// payload schema and the PNG encoder. The display layer imports neither the engine nor viz.

export { type Display, type DisplayHandle, display } from "./display-api";
export { type Formatter, formatterFor, registerFormatter } from "./formatters";
export { JUPYTER_DISPLAY, plainText, toMimeBundle } from "./mime";
export { encodePng } from "./png";
export { type MimeBundle, TENSOR_MIME, type TensorPayload } from "./schema";
export { type DisplaySink, setDisplaySinkProvider } from "./sink";
