// What ONNX Runtime can do in this process, for the VS Code extension's status bar ("ONNX Runtime:
// CPU"): whether onnxruntime-node loads here, and the provider a model runs on when CUDA is asked
// for first. CUDA is ruled out from the machine's facts where they suffice (no CUDA binaries, no
// NVIDIA driver), else tried on a one-node model, so a "CUDA" answer is ONNX Runtime's own.
// Asked once per process (the answer only changes when the kernel restarts).

import { ReLU } from "../nn/index";
import { zeros } from "../tensor/create";
import { exportBytes } from "./export/export";
import { ort, ortBinaryDir } from "./ort";
import { explainProviderFailure, machineFacts, ruledOut } from "./providers";

export interface RuntimeInfo {
  /** onnxruntime-node and this platform's binary load here. */
  available: boolean;
  /** onnxruntime-node's version ("1.31.1"), null when it does not load. */
  version: string | null;
  /** The provider a model runs on given ["cuda", "cpu"] ("cuda" or "cpu"); null when not available. */
  provider: string | null;
  /** For the status bar: "CPU", "CUDA" or "not available". */
  description: string;
  /** Why ONNX Runtime is not available, or why CUDA cannot run here and how to enable it. */
  notes: string[];
}

let asked: Promise<RuntimeInfo> | undefined;

/** ONNX Runtime's availability and provider here (one probe per process). */
export function runtimeInfo(): Promise<RuntimeInfo> {
  asked ??= probe();
  return asked;
}

async function probe(): Promise<RuntimeInfo> {
  let rt: ReturnType<typeof ort>;
  try {
    rt = ort("onnx.runtimeInfo"); // loads the native binding: the CPU provider is in it
  } catch (e) {
    const reason = (e as Error).message.replace(/^onnx\.runtimeInfo: /, "");
    return { available: false, version: null, provider: null, description: "not available", notes: [reason] };
  }
  const version = rt.env.versions?.node ?? null;
  const cpu: RuntimeInfo = { available: true, version, provider: "cpu", description: "CPU", notes: [] };
  // CUDA: ruled out by the machine's facts (the usual case, and instant), else by trying it.
  const facts = machineFacts(ortBinaryDir());
  const rule = ruledOut("cuda", facts);
  if (rule !== null) return { ...cpu, notes: [`CUDA: ${rule}`] };
  try {
    const model = await exportBytes(new ReLU(), zeros([1, 1]), { opset: 13 }, "onnx.runtimeInfo");
    const session = await rt.InferenceSession.create(model, {
      executionProviders: ["cuda"],
      intraOpNumThreads: 1,
    });
    await session.release();
    return { ...cpu, provider: "cuda", description: "CUDA" };
  } catch (e) {
    return { ...cpu, notes: [`CUDA: ${explainProviderFailure("cuda", (e as Error).message, facts)}`] };
  }
}
