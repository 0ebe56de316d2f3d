// The Receptive status bar item's text and tooltip: the kernel's state, and once it is idle the
// engine backend and ONNX Runtime's provider the kernel reported (kernel-queries.ts queryBackend),
// e.g. "Receptive: WebAssembly SIMD (relaxed), 2 threads · ONNX Runtime: CPU". The tooltip says
// why ONNX Runtime is not available, or why CUDA cannot run. Pure, so tests need no VS Code.

import type { KernelStatus } from "./kernel-client";
import type { BackendInfo } from "./kernel-queries";

export interface StatusBarState {
  status: KernelStatus;
  /** The kernel's version (its hello). */
  version?: string;
  /** What the kernel reported; "asking" while the query runs; undefined before it is asked. */
  backend?: BackendInfo | "asking";
}

export function statusBarItem(s: StatusBarState): { text: string; tooltip: string } {
  const known = typeof s.backend === "object" ? s.backend : undefined;
  const ort = known?.onnxRuntime;
  let state: string = s.status;
  if (s.status === "idle")
    state =
      s.backend === "asking"
        ? "…"
        : known === undefined
          ? "ready"
          : ort === undefined
            ? known.description
            : `${known.description} · ONNX Runtime: ${ort.description}`;
  const lines = [`Receptive kernel ${s.version ?? ""} (${s.status})`];
  if (known !== undefined) lines.push(`Backend: ${known.description}`);
  if (ort !== undefined) {
    lines.push(`ONNX Runtime${ort.version ? ` ${ort.version}` : ""}: ${ort.description}`);
    for (const note of ort.notes) lines.push(`  ${note}`);
  }
  lines.push("Click to restart the kernel.");
  return { text: `$(circuit-board) Receptive: ${state}`, tooltip: lines.join("\n") };
}
