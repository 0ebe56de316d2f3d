// The wasm conv2d kernels as the registry sees them: forward in conv-forward.ts, backward in
// conv-backward.ts (same names, signatures and += semantics as backends/ref/conv.ts).

import { convBackwardKernel } from "./conv-backward";
import { convForwardKernel } from "./conv-forward";
import type { WasmRuntime } from "./runtime";

export function convKernels(rt: WasmRuntime) {
  return { conv2dForward: convForwardKernel(rt), conv2dBackward: convBackwardKernel(rt) };
}
