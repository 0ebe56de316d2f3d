// Checkpoints: `save(model, path, { optimizer })` and `load(path)` in the safetensors format (see
// safetensors.ts), so PyTorch reads them: `model.load_state_dict(safetensors.torch.load_file(p))`.
//
// - Names: the parameter/buffer part of each key is written PyTorch-style (`bn1.runningMean` ->
//   `bn1.running_mean`, int64 `num_batches_tracked`); `load` maps them back (exactly, through the
//   `receptive.keys` metadata for our own files; snake_case -> camelCase for files from elsewhere).
// - Optimizer state for resuming: its tensors are stored under `@optimizer/<param index>/<name>`,
//   its hyperparameters and numbers as JSON in the `receptive.optimizer` metadata.
// - Atomic: the bytes go to a temporary file in the same directory, which is fsynced and then
//   renamed over `path`; a failure at any point removes the temporary file, so `path` holds either
//   the old checkpoint or the complete new one, never a truncated file.

import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { check, ReceptiveError } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Module, type StateDict } from "./module";
import { decodeSafetensors, encodeSafetensors } from "./safetensors";

/** What an optimizer's stateDict() returns (optim/optimizer.ts), restated to keep nn free of optim. */
export interface OptimizerState {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

interface HasState {
  stateDict(): OptimizerState;
  loadStateDict(sd: OptimizerState): void;
}

export interface SaveOptions {
  /** An optimizer (or its stateDict()) to store for resuming training. */
  optimizer?: HasState | OptimizerState;
  /** Extra string metadata (epoch, accuracy...), stored in the header's `__metadata__`. */
  metadata?: Record<string, string>;
}

export interface Checkpoint {
  /** The model's state dict, with our names (`runningMean`). */
  stateDict: StateDict;
  /** The optimizer state, when one was saved. */
  optimizer: OptimizerState | null;
  /** The header's `__metadata__` (user entries, plus `format` and `receptive.*`). */
  metadata: Record<string, string>;
}

export interface LoadOptions {
  /** Loads the weights into this model (strict unless `strict: false`). */
  model?: Module;
  /** Loads the saved optimizer state into this optimizer. */
  optimizer?: HasState;
  strict?: boolean;
}

const OPT_PREFIX = "@optimizer/";
const FORMAT_VERSION = "1";

const snake = (s: string) =>
  s.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}_${b.toLowerCase()}`);
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** Applies `f` to the last dotted segment (the parameter or buffer name). */
const lastSegment = (key: string, f: (s: string) => string) => {
  const i = key.lastIndexOf(".");
  return key.slice(0, i + 1) + f(key.slice(i + 1));
};

// JSON cannot hold Infinity/NaN (a scheduler's maxLr, a plateau's best loss); they go as strings.
const replacer = (_k: string, v: unknown) =>
  typeof v === "number" && !Number.isFinite(v) ? { $number: String(v) } : v;
const reviver = (_k: string, v: unknown) =>
  v !== null && typeof v === "object" && "$number" in v ? Number((v as { $number: string }).$number) : v;

/**
 * Writes a model's state dict (or a state dict), and optionally an optimizer's state, to `path` as
 * safetensors, atomically. Example: `save(net, "lenet.safetensors", { optimizer: opt })`.
 */
export function save(modelOrStateDict: Module | StateDict, path: string, options: SaveOptions = {}): void {
  check(typeof path === "string" && path.length > 0, "save", "expects a file path as its second argument");
  const sd: StateDict = modelOrStateDict instanceof Module ? modelOrStateDict.stateDict() : modelOrStateDict;
  check(
    sd !== null && typeof sd === "object",
    "save",
    "expects an nn.Module or a state dict ({ name: Tensor }) as its first argument",
  );
  const entries: [string, Tensor][] = [];
  const renamed: Record<string, string> = {};
  for (const [key, t] of Object.entries(sd)) {
    check(t instanceof Tensor, "save", () => `state dict entry "${key}" is not a Tensor`);
    check(
      !key.startsWith(OPT_PREFIX),
      "save",
      () => `state dict key "${key}" uses the reserved prefix ${OPT_PREFIX}`,
    );
    const torchKey = lastSegment(key, snake);
    if (torchKey !== key) renamed[torchKey] = key;
    entries.push([torchKey, t]);
  }
  const metadata: Record<string, string> = {
    ...options.metadata,
    format: "pt",
    "receptive.version": FORMAT_VERSION,
    "receptive.keys": JSON.stringify(renamed),
  };
  for (const [k, v] of Object.entries(options.metadata ?? {}))
    check(typeof v === "string", "save", () => `metadata "${k}" must be a string, got ${typeof v}`);
  if (sd._metadata) metadata["receptive.moduleVersions"] = JSON.stringify(sd._metadata);
  if (options.optimizer !== undefined) {
    const opt = options.optimizer;
    const state: OptimizerState =
      typeof (opt as HasState).stateDict === "function"
        ? (opt as HasState).stateDict()
        : (opt as OptimizerState);
    check(
      state !== null && typeof state === "object" && Array.isArray(state.paramGroups),
      "save",
      "optimizer must be an optimizer or its stateDict()",
    );
    const numbers: Record<string, Record<string, number>> = {};
    for (const [i, s] of Object.entries(state.state))
      for (const [name, v] of Object.entries(s)) {
        if (v instanceof Tensor) entries.push([`${OPT_PREFIX}${i}/${name}`, v]);
        else numbers[i] = { ...numbers[i], [name]: v };
      }
    metadata["receptive.optimizer"] = JSON.stringify({ paramGroups: state.paramGroups, numbers }, replacer);
  }
  try {
    writeAtomic(path, encodeSafetensors(entries, metadata));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && !(e instanceof ReceptiveError))
      throw new ReceptiveError("save", `cannot write ${path}: ${(e as Error).message}`);
    throw e;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Removes the temporary files of `writeAtomic`s to `base` whose process died mid-write (killed). */
function removeStaleTemps(dir: string, base: string): void {
  const prefix = `.${base}.`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * Writes `chunks` to `path` through a temporary file that is fsynced and renamed into place.
 * If anything throws (including the chunk source), the temporary file is removed and `path` is
 * left as it was.
 */
export function writeAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, "wx");
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw e;
  }
  removeStaleTemps(dir, basename(path));
  // Make the rename itself durable (not supported for directories on every platform).
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // best effort
  }
}

/**
 * Reads a checkpoint written by `save` (or any safetensors file, e.g. from PyTorch). With
 * `{ model, optimizer }` it also loads the state into them. A truncated or corrupt file is a
 * clear error naming the path.
 */
export function load(path: string, { model, optimizer, strict = true }: LoadOptions = {}): Checkpoint {
  check(typeof path === "string" && path.length > 0, "load", "expects a file path");
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    check(false, "load", `cannot read ${path}: ${(e as Error).message}`);
  }
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  const ours = metadata["receptive.keys"] !== undefined;
  let renamed: Record<string, string> = {};
  let optJson: {
    paramGroups: OptimizerState["paramGroups"];
    numbers: Record<string, Record<string, number>>;
  } | null = null;
  try {
    if (ours) renamed = JSON.parse(metadata["receptive.keys"]);
    if (metadata["receptive.optimizer"] !== undefined)
      optJson = JSON.parse(metadata["receptive.optimizer"], reviver);
  } catch (e) {
    check(false, "load", `${path}: corrupt receptive metadata (${(e as Error).message})`);
  }
  const stateDict: StateDict = {};
  const optState: OptimizerState["state"] = {};
  for (const [key, t] of tensors) {
    if (key.startsWith(OPT_PREFIX)) {
      const [i, name] = key.slice(OPT_PREFIX.length).split("/");
      check(optJson !== null, "load", `${path}: optimizer tensor "${key}" without optimizer metadata`);
      optState[Number(i)] = { ...optState[Number(i)], [name]: t };
    } else stateDict[ours ? (renamed[key] ?? key) : lastSegment(key, camel)] = t;
  }
  if (metadata["receptive.moduleVersions"] !== undefined)
    Object.defineProperty(stateDict, "_metadata", {
      value: JSON.parse(metadata["receptive.moduleVersions"]),
      enumerable: false,
    });
  let opt: OptimizerState | null = null;
  if (optJson !== null) {
    for (const [i, nums] of Object.entries(optJson.numbers))
      optState[Number(i)] = { ...optState[Number(i)], ...nums };
    opt = { state: optState, paramGroups: optJson.paramGroups };
  }
  if (model !== undefined) model.loadStateDict(stateDict, { strict });
  if (optimizer !== undefined) {
    check(
      opt !== null,
      "load",
      `${path} holds no optimizer state; save it with save(model, path, { optimizer })`,
    );
    optimizer.loadStateDict(opt);
  }
  return { stateDict, optimizer: opt, metadata };
}
