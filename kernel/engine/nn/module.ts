// `nn.Module`: the base of every layer and model. A module holds parameters, buffers and child
// modules as ordinary properties and computes its output in `forward` (JS objects cannot be
// called, so `net.forward(x)` is the call).
//
// NOTE: registration is discovered at traversal time from the module's own enumerable
// properties, in insertion order: a `Parameter` value is a parameter, a `Module` value is a child,
// and names passed to `registerBuffer` are buffers. So `model.fc = new nn.Linear(512, 10)`
// replaces a child and `this.weight = new Parameter(...)` registers a weight with no extra call.
// Plain tensors and arrays of modules are not registered (use a buffer or `nn.ModuleList`), as in
// PyTorch. State dicts list each module's parameters, then its buffers, then its children's.

import { bumpVersion } from "../autograd/version";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Parameter } from "./parameter";

/** Called after `forward` with the module, its inputs and its output; a non-undefined return replaces the output. */
export type ForwardHook = (module: Module, inputs: any[], output: any) => any;
/** Called before `forward`; a non-undefined return replaces the inputs (an array, or a single input). */
export type ForwardPreHook = (module: Module, inputs: any[]) => any;

export interface RemovableHandle {
  remove(): void;
}

/**
 * A state dict: dotted names (`features.0.weight`) to tensors. Dicts made by `stateDict()` also
 * carry each module's layout version in a non-enumerable `_metadata` (see `stateDictVersions`).
 */
export type StateDict = Record<string, Tensor>;

type Versions = Record<string, { version: number }>;

/** The per-module versions recorded by `stateDict()` (keyed by module path, "" for the root), if any. */
export function stateDictVersions(sd: StateDict): Versions | undefined {
  return (sd as { _metadata?: Versions })._metadata;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

interface Internals {
  /** Property names in registration order (JS would list integer-like names such as "2" first). */
  order: string[];
  buffers: Set<string>;
  nonPersistent: Set<string>;
  forwardHooks: Map<number, ForwardHook>;
  preHooks: Map<number, ForwardPreHook>;
  hooked: boolean;
}

// Bookkeeping kept off the instance so it never shows up among the module's properties.
const internals = new WeakMap<Module, Internals>();
let nextHookId = 0;

function state(m: Module): Internals {
  let s = internals.get(m);
  if (s === undefined) {
    s = {
      order: [],
      buffers: new Set(),
      nonPersistent: new Set(),
      forwardHooks: new Map(),
      preHooks: new Map(),
      hooked: false,
    };
    internals.set(m, s);
  }
  return s;
}

/** Whether `m` has forward or forward-pre hooks registered now (removed ones do not count). */
export function hasHooks(m: Module): boolean {
  const s = state(m);
  return s.forwardHooks.size > 0 || s.preHooks.size > 0;
}

/** A module's own [name, value] properties in registration order. */
export function ownEntries(m: Module): [string, unknown][] {
  const order = state(m).order;
  const known = new Set(order);
  for (const k of Object.keys(m)) if (!known.has(k)) order.push(k);
  const out: [string, unknown][] = [];
  for (const k of order) if (Object.hasOwn(m, k)) out.push([k, (m as any)[k]]);
  return out;
}

function noteName(m: Module, name: string): void {
  const order = state(m).order;
  ownEntries(m);
  if (!order.includes(name)) order.push(name);
}

export abstract class Module {
  /** Version of this class's state-dict layout; subclasses bump it and migrate in `upgradeStateDict`. */
  static version = 1;
  /** True in training mode (dropout active, batch norm uses batch statistics); see train()/eval(). */
  training = true;

  abstract forward(...inputs: any[]): any;

  // ---- registration -------------------------------------------------------------------------
  /** Registers a buffer: state that is saved in the state dict but is not trained (running means). */
  registerBuffer(
    name: string,
    value: Tensor | null,
    { persistent = true }: { persistent?: boolean } = {},
  ): void {
    check(!(value instanceof Parameter), "registerBuffer", `"${name}" is a Parameter; use registerParameter`);
    const s = state(this);
    s.buffers.add(name);
    if (persistent) s.nonPersistent.delete(name);
    else s.nonPersistent.add(name);
    noteName(this, name);
    (this as any)[name] = value;
  }
  /** Same as `this[name] = param` (a null parameter is allowed, like `bias=False`). */
  registerParameter(name: string, param: Parameter | null): void {
    check(
      param === null || param instanceof Parameter,
      "registerParameter",
      `"${name}" must be an nn.Parameter or null; wrap the tensor: new nn.Parameter(t)`,
    );
    noteName(this, name);
    (this as any)[name] = param;
  }
  /** Same as `this[name] = module`; PyTorch's register_module. */
  registerModule(name: string, module: Module | null): void {
    this.addModule(name, module);
  }
  /** Same as `this[name] = module`. */
  addModule(name: string, module: Module | null): void {
    check(!name.includes("."), "addModule", `module name "${name}" cannot contain "."`);
    noteName(this, name);
    (this as any)[name] = module;
  }

  /** The descendant at a dotted path, e.g. `net.getSubmodule("features.3")` to hook a layer. */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    const parts = target.split(".");
    parts.forEach((part, i) => {
      const next = (m as any)[part];
      check(
        next instanceof Module,
        "getSubmodule",
        () =>
          `${parts.slice(0, i).join(".") || m.constructor.name} has no submodule "${part}"; its children are ${
            m
              .namedChildren()
              .map(([k]) => `"${k}"`)
              .join(", ") || "none"
          }`,
      );
      m = next;
    });
    return m;
  }

  /**
   * Puts `module` at a dotted path, replacing what is there: PyTorch's `set_submodule`, e.g.
   * `net.setSubmodule("features.3", new nn.Identity())` or an imported graph's node by its name.
   * The parent must exist; with `strict` the child must too (a mistyped name is then an error, not
   * a new child nothing calls). Replacing something that is not a module is an error.
   */
  setSubmodule(target: string, module: Module, { strict = false }: { strict?: boolean } = {}): void {
    const op = "setSubmodule";
    check(target !== "", op, 'the target is empty; name the submodule to replace, e.g. "fc"');
    check(
      module instanceof Module,
      op,
      () => `the new "${target}" must be an nn.Module, got ${module === null ? "null" : typeof module}`,
    );
    const dot = target.lastIndexOf(".");
    const parent = this.getSubmodule(dot < 0 ? "" : target.slice(0, dot));
    const name = target.slice(dot + 1);
    const old = (parent as any)[name];
    check(
      !strict || old instanceof Module,
      op,
      () =>
        `${dot < 0 ? parent.constructor.name : target.slice(0, dot)} has no submodule "${name}" to replace; its children are ${
          parent
            .namedChildren()
            .map(([k]) => `"${k}"`)
            .join(", ") || "none"
        }`,
    );
    check(
      old === undefined || old === null || old instanceof Module,
      op,
      () =>
        `"${target}" is not a module (it is a ${old?.constructor?.name ?? typeof old}); only modules can be replaced`,
    );
    noteName(parent, name);
    (parent as any)[name] = module;
  }

  // ---- traversal ----------------------------------------------------------------------------
  /** Direct children as [name, module], in registration order. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [k, v] of ownEntries(this))
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    return out;
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every descendant as [dotted name, module]; the root's name is "" (or prefix). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) walk(c, name ? `${name}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  /** Parameters as [dotted name, parameter], each shared parameter once. */
  namedParameters({
    prefix = "",
    recurse = true,
  }: {
    prefix?: string;
    recurse?: boolean;
  } = {}): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [name, m] of mods)
      for (const [k, v] of ownEntries(m))
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          out.push([name ? `${name}.${k}` : k, v]);
        }
    return out;
  }
  parameters(recurse = true): Parameter[] {
    return this.namedParameters({ recurse }).map(([, p]) => p);
  }
  /** Buffers (running statistics...) as [dotted name, tensor]. */
  namedBuffers({
    prefix = "",
    recurse = true,
  }: {
    prefix?: string;
    recurse?: boolean;
  } = {}): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [name, m] of mods)
      for (const k of state(m).buffers) {
        const v = (m as any)[k];
        if (v instanceof Tensor) out.push([name ? `${name}.${k}` : k, v]);
      }
    return out;
  }
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers({ recurse }).map(([, b]) => b);
  }
  /** Calls fn on every descendant (children first) and then on this module, like torch's apply. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ------------------------------------------------------------------
  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode: dropout off, batch norm uses running statistics. Same as train(false). */
  eval(): this {
    return this.train(false);
  }
  /** Freezes (false) or unfreezes (true) every parameter: frozen ones get no gradient. */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }
  /**
   * Clears parameter gradients. NOTE: PyTorch 1.13's default: zero the existing `.grad` in place
   * (`setToNone: false`); pass `{ setToNone: true }` to drop them instead (PyTorch 2's default).
   */
  zeroGrad({ setToNone = false }: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (setToNone) p.grad = null;
      else {
        p.grad.storage.fill(0);
        bumpVersion(p.grad.storage, "zeroGrad");
      }
    }
  }

  // ---- hooks --------------------------------------------------------------------------------
  /** Runs `hook(module, inputs, output)` after every forward; e.g. to capture feature maps. */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return this.addHook(state(this).forwardHooks, hook);
  }
  /** Runs `hook(module, inputs)` before every forward. */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return this.addHook(state(this).preHooks, hook);
  }
  private addHook<H>(table: Map<number, H>, hook: H): RemovableHandle {
    const id = nextHookId++;
    table.set(id, hook);
    this.installHookRunner();
    return { remove: () => table.delete(id) };
  }
  // NOTE: hooks run because the first registration wraps this instance's forward in a
  // non-enumerable own property; with no hooks left the wrapper just calls through.
  private installHookRunner(): void {
    const s = state(this);
    if (s.hooked) return;
    s.hooked = true;
    const inner = this.forward;
    Object.defineProperty(this, "forward", {
      enumerable: false,
      configurable: true,
      writable: true,
      value: (...inputs: any[]) => {
        for (const h of s.preHooks.values()) {
          const r = h(this, inputs);
          if (r !== undefined) inputs = Array.isArray(r) ? r : [r];
        }
        let out = inner.apply(this, inputs);
        for (const h of s.forwardHooks.values()) {
          const r = h(this, inputs, out);
          if (r !== undefined) out = r;
        }
        return out;
      },
    });
  }

  // ---- state dict ---------------------------------------------------------------------------
  /** Parameters and persistent buffers by dotted name (values share storage with the module). */
  stateDict({ prefix = "" }: { prefix?: string } = {}): StateDict {
    const out: StateDict = {};
    const metadata: Versions = {};
    for (const [name, m] of this.namedModules()) {
      metadata[name] = { version: (m.constructor as typeof Module).version };
      const pre = prefix + (name ? `${name}.` : "");
      for (const [k, v] of ownEntries(m)) if (v instanceof Parameter) out[pre + k] = v.detach();
      const s = state(m);
      for (const k of s.buffers) {
        const v = (m as any)[k];
        if (v instanceof Tensor && !s.nonPersistent.has(k)) out[pre + k] = v.detach();
      }
    }
    Object.defineProperty(out, "_metadata", { value: metadata, enumerable: false });
    return out;
  }

  /**
   * Copies values from a state dict. Strict (default): missing or unexpected keys are an error
   * that lists them; non-strict: they are returned. Shape mismatches are always an error.
   */
  loadStateDict(stateDict: StateDict, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const sd: StateDict = { ...stateDict };
    const metadata = stateDictVersions(stateDict) ?? {};
    const expected = new Set<string>();
    const missingKeys: string[] = [];
    const errors: string[] = [];
    for (const [name, m] of this.namedModules()) {
      const pre = name ? `${name}.` : "";
      m.upgradeStateDict(sd, pre, metadata[name]?.version);
      const s = state(m);
      const targets: [string, Tensor][] = ownEntries(m).filter(
        (e): e is [string, Tensor] => e[1] instanceof Parameter,
      );
      for (const k of s.buffers) {
        const v = (m as any)[k];
        if (v instanceof Tensor && !s.nonPersistent.has(k)) targets.push([k, v]);
      }
      for (const [k, t] of targets) {
        const key = pre + k;
        expected.add(key);
        const src = sd[key];
        if (src === undefined) missingKeys.push(key);
        else if (src.shape.length !== t.shape.length || src.shape.some((d, i) => d !== t.shape[i]))
          errors.push(
            `size mismatch for ${key}: copying a param with shape ${fmtShape(src.shape)}, the shape in the current model is ${fmtShape(t.shape)}`,
          );
        else {
          t.storage.set(src.storage);
          bumpVersion(t.storage, "loadStateDict");
        }
      }
    }
    const unexpectedKeys = Object.keys(sd).filter((k) => !expected.has(k));
    if (strict) {
      if (missingKeys.length) errors.push(`missing keys: ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
      if (unexpectedKeys.length)
        errors.push(`unexpected keys: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
    }
    check(
      errors.length === 0,
      "loadStateDict",
      () =>
        `error(s) loading state dict for ${this.constructor.name}:\n  ${errors.join("\n  ")}${strict && (missingKeys.length || unexpectedKeys.length) ? "\npass { strict: false } to load the matching keys and get the rest reported" : ""}`,
    );
    return { missingKeys, unexpectedKeys };
  }

  /** Migrates this module's entries (keys starting with `prefix`) from an older `version`; a no-op here. */
  protected upgradeStateDict(_sd: StateDict, _prefix: string, _version: number | undefined): void {}

  // ---- printing -----------------------------------------------------------------------------
  /** The constructor arguments that differ from their defaults, e.g. `1, 6, kernelSize=5, padding=2`. */
  extraRepr(): string {
    return "";
  }
  /** PyTorch-style tree: `Sequential(\n  (0): Conv2d(1, 6, kernelSize=5)\n  ...)`. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.namedChildren().map(
      ([k, m]) => `(${k}): ${m.toString().split("\n").join("\n  ")}`,
    );
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length === 1 && childLines.length === 0) s += extraLines[0];
    else if (lines.length > 0) s += `\n  ${lines.join("\n  ")}\n`;
    return `${s})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** A tuple argument printed as users write it: `5` when all entries are equal, else `[3, 5]`. */
function fmtValue(v: unknown): string {
  if (Array.isArray(v))
    return v.every((x) => x === v[0]) && v.length > 0 ? fmtValue(v[0]) : `[${v.join(", ")}]`;
  if (typeof v === "string") return `"${v}"`;
  return String(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (x: unknown) => (Array.isArray(x) && x.every((y) => y === x[0]) ? x[0] : x);
  const na = norm(a);
  const nb = norm(b);
  if (Array.isArray(na) && Array.isArray(nb))
    return na.length === nb.length && na.every((x, i) => x === nb[i]);
  return na === nb;
}

/** Builds an extraRepr: positional values, then `name=value` for each [name, value, default] that differs. */
export function reprArgs(positional: unknown[], named: [string, unknown, unknown][] = []): string {
  const parts = positional.map(fmtValue);
  for (const [name, value, def] of named)
    if (!sameValue(value, def)) parts.push(`${name}=${fmtValue(value)}`);
  return parts.join(", ");
}
