// `onnx.compile(module)`: the module's eval-mode forward run by ONNX Runtime. The module is
// exported in memory on the first call (or at once, given a sampleInput) and again for each new
// input shape (the batch dim stays dynamic). The weights are those of the moment of export:
// compile again after training.

import { check, fmtShape } from "../errors";
import { Module } from "../nn/index";
import { Tensor } from "../tensor/tensor";
import { type ExportOptions, exportBytes } from "./export/export";
import { InferenceSession, type SessionOptions } from "./session";

export interface CompileOptions extends SessionOptions, Pick<ExportOptions, "opset"> {
  /** Export now with this input (its batch size does not matter) rather than on the first call. */
  sampleInput?: Tensor;
}

export class CompiledModel {
  /** The module this runs (its weights as they were when each shape was first exported). */
  readonly module: Module;
  private readonly options: CompileOptions;
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  /** The provider once a session exists ("cpu", "cuda"), else null; `provider()` waits for it. */
  providerName: string | null = null;

  constructor(module: Module, options: CompileOptions) {
    this.module = module;
    this.options = options;
  }

  /** Runs the module's eval-mode forward on `x` with ONNX Runtime. */
  async forward(x: Tensor): Promise<Tensor> {
    check(x instanceof Tensor, "onnx.compile", `forward expects a Tensor, got ${typeof x}`);
    const session = await this.sessionFor(x);
    return session.run(x);
  }

  /** The ONNX Runtime session for inputs shaped like `x` (created on first use). */
  sessionFor(x: Tensor): Promise<InferenceSession> {
    check(x.ndim >= 1, "onnx.compile", () => `expects a batched input, got shape ${fmtShape(x.shape)}`);
    const key = x.shape.slice(1).join("x");
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = exportBytes(this.module, x, { opset: this.options.opset, dynamicBatch: true }, "onnx.compile")
        .then((bytes) => InferenceSession.create(bytes, this.options))
        .then((session) => {
          this.providerName = session.provider;
          return session;
        });
      s.catch(() => this.sessions.delete(key));
      this.sessions.set(key, s);
    }
    return s;
  }

  /** The provider of the sessions made so far ("cpu", "cuda"), or null before the first. */
  async provider(): Promise<string | null> {
    const first = this.sessions.values().next().value;
    return first === undefined ? null : (await first).provider;
  }

  toString(): string {
    return `Compiled(${this.module.constructor.name}) through ONNX Runtime\n${this.module.toString()}`;
  }
}

/**
 * The module's eval-mode forward through ONNX Runtime; outputs equal `module.forward` in eval mode.
 * Example: `const fast = await onnx.compile(net); const logits = await fast.forward(x);`
 */
export async function compile(module: Module, options: CompileOptions = {}): Promise<CompiledModel> {
  check(module instanceof Module, "onnx.compile", `expected an nn.Module, got ${typeof module}`);
  const compiled = new CompiledModel(module, options);
  if (options.sampleInput !== undefined) await compiled.sessionFor(options.sampleInput);
  return compiled;
}
