// Choosing ONNX Runtime's execution provider: the names users pass, why a provider could not run
// here, and the exact command that enables it. Pure functions over facts about the machine, so the
// CUDA explanations are testable on machines without a GPU.

import { existsSync } from "node:fs";
import { join } from "node:path";

/** "cpu", "cuda", "tensorrt", "webgpu", or ONNX Runtime's object form `{ name: "cuda", deviceId: 1 }`. */
export type ExecutionProvider = string | { readonly name: string; readonly [option: string]: unknown };

export function providerName(p: ExecutionProvider): string {
  return typeof p === "string" ? p : p.name;
}

/**
 * The command that installs onnxruntime-node's CUDA 12 binaries into node_modules. The package's
 * own install script (script/install.js) reads ONNXRUNTIME_NODE_INSTALL; `npm install` does not run
 * it here because package.json's allowScripts keeps it off (its download fails offline).
 */
export const cudaInstallCommand =
  "ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js";

/** What we know about the machine when explaining a failed provider. */
export interface MachineFacts {
  platform: string;
  arch: string;
  /** onnxruntime-node's binary folder for this platform, null when the package is missing. */
  binaryDir: string | null;
  /** An NVIDIA driver is loaded (/dev/nvidia0 or /proc/driver/nvidia exists). */
  nvidiaDriver: boolean;
}

export function machineFacts(binaryDir: string | null): MachineFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    binaryDir,
    nvidiaDriver: existsSync("/dev/nvidia0") || existsSync("/proc/driver/nvidia"),
  };
}

/** Display names for messages. */
const titles: Record<string, string> = { cpu: "CPU", cuda: "CUDA", tensorrt: "TensorRT", webgpu: "WebGPU" };
export const providerTitle = (name: string): string => titles[name] ?? name;

/** The provider library file ONNX Runtime loads for a GPU provider, per platform. */
function providerLibrary(name: "cuda" | "tensorrt", platform: string): string {
  return platform === "win32" ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
}

/**
 * Why `name` could not run here and how to enable it, from ONNX Runtime's error and the machine's
 * facts. One sentence for the cause, one for the fix.
 */
export function explainProviderFailure(name: string, ortMessage: string, facts: MachineFacts): string {
  const said = ortMessage.split("\n")[0].trim();
  if (name !== "cuda" && name !== "tensorrt") return `ONNX Runtime said: ${said}`;
  return (
    ruledOut(name, facts) ??
    `ONNX Runtime could not load its ${providerTitle(name)} provider (${said}): install the CUDA 12 runtime and ` +
      "cuDNN 9 libraries and make them findable (LD_LIBRARY_PATH on Linux, PATH on Windows), then restart the kernel."
  );
}

/**
 * Why the GPU provider `name` ("cuda", "tensorrt") cannot run here, when the machine's facts alone
 * show it (no binaries for this platform, binaries not installed, no NVIDIA driver); else null.
 */
export function ruledOut(name: "cuda" | "tensorrt", facts: MachineFacts): string | null {
  const where = `${facts.platform}-${facts.arch}`;
  if (where !== "linux-x64" && where !== "win32-x64")
    return `onnxruntime-node ships ${providerTitle(name)} binaries only for linux-x64 and win32-x64, and this is ${where}.`;
  const lib = providerLibrary(name, facts.platform);
  if (facts.binaryDir !== null && !existsSync(join(facts.binaryDir, lib))) {
    const command =
      facts.platform === "win32"
        ? "set ONNXRUNTIME_NODE_INSTALL=cuda12 && node node_modules\\onnxruntime-node\\script\\install.js"
        : cudaInstallCommand;
    return (
      `onnxruntime-node was installed without its CUDA binaries (${lib} is not in ${facts.binaryDir}; ` +
      "npm install leaves them out so that installs stay offline). To enable it, run " +
      `\`${command}\` in the project folder (it downloads the CUDA 12 build), then restart the kernel; ` +
      "it also needs an NVIDIA GPU with the CUDA 12 and cuDNN 9 libraries."
    );
  }
  if (facts.platform === "linux" && !facts.nvidiaDriver)
    return (
      `no NVIDIA GPU driver is loaded on this machine (/dev/nvidia0 is missing), so ${providerTitle(name)} ` +
      "cannot run; use a machine with an NVIDIA GPU and its driver."
    );
  return null;
}
