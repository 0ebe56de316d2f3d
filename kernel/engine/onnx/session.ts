// `onnx.InferenceSession`: an ONNX model run by ONNX Runtime, fed and answering with engine
// Tensors. `create` tries the execution providers in order and falls back past those that cannot
// run here (CUDA without a GPU...), saying once why and how to enable them; `provider` names the
// one that runs.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from "onnxruntime-node";
import { getNumThreads } from "../backends/wasm/index";
import { check, fmtShape, ReceptiveError } from "../errors";
import { Module } from "../nn/index";
import { Tensor } from "../tensor/tensor";
import { fromOrt, type OrtType, toOrt } from "./convert";
import { exportBytes } from "./export/export";
import { decodeModel } from "./format/read";
import { kindOf } from "./messages";
import { ort, ortBinaryDir } from "./ort";
import {
  type ExecutionProvider,
  explainProviderFailure,
  machineFacts,
  providerName,
  providerTitle,
} from "./providers";

export interface SessionOptions {
  /** Providers to try in order; the first that runs here is used. Default ["cpu"]. */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads for one op; defaults to the engine's `getNumThreads()`. */
  intraOpNumThreads?: number;
  /** ONNX Runtime's graph optimisations; default "all". */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /** Called with the fallback message instead of printing it with console.warn. */
  onFallback?: (message: string) => void;
}

/** For `create(module, ...)`: the module is exported with this input first. */
export interface ModuleSource {
  sampleInput?: Tensor;
  opset?: number;
}

/** One input or output of the model: its name, element type and shape (strings are dynamic dims). */
export interface ValueInfo {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

/** Where a model came from, for messages: a file path, or "the model bytes". */
type Source = string | Uint8Array;

const describe = (source: Source): string => (typeof source === "string" ? `"${source}"` : "the model bytes");

export class InferenceSession {
  /** The provider that runs the model ("cpu", "cuda"...). */
  readonly provider: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Why each provider asked for before `provider` could not run (empty when the first one ran). */
  readonly fallbacks: readonly string[];
  /** The model file, or "the model bytes". */
  readonly source: string;
  private readonly session: OrtSession;

  private constructor(session: OrtSession, provider: string, fallbacks: string[], source: string) {
    this.session = session;
    this.provider = provider;
    this.fallbacks = fallbacks;
    this.source = source;
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    this.inputs = session.inputMetadata.map(valueInfo);
    this.outputs = session.outputMetadata.map(valueInfo);
  }

  /**
   * Loads an ONNX model (a file path, its bytes, or a module exported with `sampleInput`) into ONNX Runtime.
   * Example: `await onnx.InferenceSession.create("net.onnx", { executionProviders: ["cuda", "cpu"] })`.
   */
  static async create(
    model: string | Uint8Array | Module,
    options: SessionOptions & ModuleSource = {},
  ): Promise<InferenceSession> {
    const op = "onnx.InferenceSession.create";
    const rt = ort(op);
    if (model instanceof Module) {
      check(
        options.sampleInput instanceof Tensor,
        op,
        "a module is exported first: pass { sampleInput: randn([1, 3, 32, 32]) } (any batch size; it stays dynamic)",
      );
      const bytes = await exportBytes(model, options.sampleInput, { opset: options.opset }, op);
      return InferenceSession.create(bytes, options);
    }
    let source: Source = model;
    if (typeof model === "string") {
      source = resolve(model);
      check(existsSync(source), op, `no file ${describe(model)} (looked at ${source})`);
      check(statSync(source).isFile(), op, `${describe(model)} is a folder, not an ONNX file`);
    } else {
      check(
        model instanceof Uint8Array,
        op,
        `expected a file path or a Uint8Array of ONNX bytes, got ${typeof model}`,
      );
    }
    const providers = options.executionProviders ?? ["cpu"];
    check(providers.length > 0, op, 'executionProviders is empty; pass e.g. ["cuda", "cpu"]');
    const threads = options.intraOpNumThreads ?? getNumThreads();
    const failures: { name: string; message: string }[] = [];
    for (const p of providers) {
      const name = providerName(p);
      let session: OrtSession;
      try {
        const ortOptions: OrtSession.SessionOptions = {
          executionProviders: [p as OrtSession.ExecutionProviderConfig],
          intraOpNumThreads: threads,
          graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
        };
        session =
          typeof source === "string"
            ? await rt.InferenceSession.create(source, ortOptions)
            : await rt.InferenceSession.create(source, ortOptions);
      } catch (e) {
        failures.push({ name, message: (e as Error).message });
        continue;
      }
      const facts = machineFacts(ortBinaryDir());
      const fallbacks = failures.map(
        (f) =>
          `${providerTitle(f.name)} was asked for but cannot run here, so ${describe(model)} runs on ` +
          `${providerTitle(name)}: ${explainProviderFailure(f.name, f.message, facts)}`,
      );
      if (fallbacks.length > 0) (options.onFallback ?? console.warn)(`onnx: ${fallbacks.join("\n")}`);
      return new InferenceSession(
        session,
        name,
        fallbacks,
        typeof model === "string" ? model : "the model bytes",
      );
    }
    throw await creationError(op, model, source, failures);
  }

  /**
   * Runs the model. Give a Tensor when the model has one input, else `{ inputName: tensor }`.
   * Returns a Tensor when the model has one output, else a record by output name
   * (`session.run<Record<string, Tensor>>(x)`; `runAll` always returns the record).
   */
  async run<T extends Tensor | Record<string, Tensor> = Tensor>(
    feeds: Tensor | Record<string, Tensor>,
  ): Promise<T> {
    const out = await this.runAll(feeds);
    return (this.outputNames.length === 1 ? out[this.outputNames[0]] : out) as T;
  }

  /** Runs the model and returns every output by name. */
  async runAll(feeds: Tensor | Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const rt = ort("onnx.InferenceSession.run");
    const named = this.nameFeeds(feeds);
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const info of this.inputs) {
      const t = named[info.name];
      checkFeed(this.source, info, t);
      ortFeeds[info.name] = toOrt(rt, t, info.type as OrtType, `input "${info.name}"`);
    }
    let results: OrtSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds);
    } catch (e) {
      throw new ReceptiveError(
        "onnx.InferenceSession.run",
        `${this.source}: ${(e as Error).message.split("\n")[0]}`,
      );
    }
    const out: Record<string, Tensor> = {};
    for (const name of this.outputNames) out[name] = fromOrt(results[name] as OrtTensor, `output "${name}"`);
    return out;
  }

  /** Frees ONNX Runtime's memory for this model. */
  async release(): Promise<void> {
    await this.session.release();
  }

  toString(): string {
    const fmt = (v: ValueInfo) => `${v.name}: ${v.type} [${v.shape.join(", ")}]`;
    return (
      `InferenceSession(${this.source}, provider=${this.provider},\n` +
      `  inputs=[${this.inputs.map(fmt).join(", ")}],\n  outputs=[${this.outputs.map(fmt).join(", ")}])`
    );
  }

  private nameFeeds(feeds: Tensor | Record<string, Tensor>): Record<string, Tensor> {
    const op = "onnx.InferenceSession.run";
    const names = this.inputNames.map((n) => `"${n}"`).join(", ");
    if (feeds instanceof Tensor) {
      check(
        this.inputNames.length === 1,
        op,
        () =>
          `${this.source} has ${this.inputNames.length} inputs (${names}); pass { name: tensor } for each`,
      );
      return { [this.inputNames[0]]: feeds };
    }
    if (typeof feeds !== "object" || feeds === null || Array.isArray(feeds))
      throw new ReceptiveError(
        op,
        this.inputNames.length === 1
          ? `${this.source} input "${this.inputNames[0]}" must be a Tensor, got ${kindOf(feeds)}`
          : `expected { inputName: Tensor } for ${names}, got ${kindOf(feeds)}`,
      );
    const missing = this.inputNames.filter((n) => !(n in feeds));
    const unknown = Object.keys(feeds).filter((n) => !this.inputNames.includes(n));
    check(
      missing.length === 0 && unknown.length === 0,
      op,
      () =>
        `${this.source} expects inputs ${names}; ` +
        [
          missing.length ? `missing ${missing.map((n) => `"${n}"`).join(", ")}` : "",
          unknown.length ? `no input named ${unknown.map((n) => `"${n}"`).join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; "),
    );
    return feeds;
  }
}

function valueInfo(m: OrtSession.ValueMetadata): ValueInfo {
  if (!m.isTensor) return { name: m.name, type: "non-tensor", shape: [] };
  return {
    name: m.name,
    type: m.type,
    shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : String(d))),
  };
}

const integerTypes = new Set(["int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64"]);

/** Checks one feed against the model's declared input: a Tensor, element type, rank, fixed dims. */
function checkFeed(source: string, info: ValueInfo, t: unknown): asserts t is Tensor {
  const op = "onnx.InferenceSession.run";
  const what = `${source} input "${info.name}"`;
  check(t instanceof Tensor, op, () => `${what} must be a Tensor, got ${kindOf(t)}`);
  const wants = info.type === "bool" ? "bool" : integerTypes.has(info.type) ? "int64" : "float32";
  check(
    t.dtype === wants,
    op,
    () =>
      `${what} expects ${info.type} values, given a ${t.dtype} tensor; convert it with .${
        wants === "float32" ? "float" : wants === "bool" ? "bool" : "long"
      }()`,
  );
  if (info.shape.length === 0) return;
  const expected = `[${info.shape.join(", ")}]`;
  check(
    t.ndim === info.shape.length,
    op,
    () =>
      `${what} expects rank ${info.shape.length} ${expected}, given rank ${t.ndim} with shape ${fmtShape(t.shape)}`,
  );
  info.shape.forEach((d, i) => {
    check(
      typeof d !== "number" || d === t.shape[i],
      op,
      () =>
        `${what} expects shape ${expected}, given ${fmtShape(t.shape)} (dim ${i} is ${t.shape[i]}, expected ${d})`,
    );
  });
}

/** The error when no provider could load the model: a bad model file, or no usable provider. */
async function creationError(
  op: string,
  model: Source,
  resolved: Source,
  failures: { name: string; message: string }[],
): Promise<ReceptiveError> {
  const facts = machineFacts(ortBinaryDir());
  const last = failures[failures.length - 1];
  // A file ONNX Runtime rejects: our reader says what is wrong with it in the user's terms
  // (empty, truncated, not ONNX...) where it can.
  if (last.name === "cpu") {
    try {
      const folder = typeof resolved === "string" ? dirname(resolved) : null;
      await decodeModel(
        typeof resolved === "string" ? readFileSync(resolved) : resolved,
        describe(model),
        op,
        folder,
      );
    } catch (e) {
      if (e instanceof ReceptiveError) return e;
    }
  }
  if (last.name === "cpu")
    return new ReceptiveError(
      op,
      `ONNX Runtime cannot load ${describe(model)}: ${last.message.split("\n")[0]}` +
        (failures.length > 1
          ? ` (also tried: ${failures
              .slice(0, -1)
              .map((f) => f.name)
              .join(", ")})`
          : ""),
    );
  return new ReceptiveError(
    op,
    `no execution provider could run ${describe(model)}:\n` +
      failures
        .map((f) => `  ${providerTitle(f.name)}: ${explainProviderFailure(f.name, f.message, facts)}`)
        .join("\n") +
      '\nAdd "cpu" to executionProviders to fall back to the CPU.',
  );
}
