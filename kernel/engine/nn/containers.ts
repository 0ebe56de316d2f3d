// Containers: `Sequential` chains modules (children named "0", "1", ... or by the names given),
// `ModuleList` holds modules for a forward the user writes.

import { check } from "../errors";
import { Module, ownEntries } from "./module";

/** Every child in order, repeats included (children() lists a shared module once). */
function entries(m: Module): Module[] {
  return ownEntries(m)
    .map(([, v]) => v)
    .filter((v): v is Module => v instanceof Module);
}

/** Checks and normalises a position in a container of `n` children (negative counts from the end). */
function position(op: string, i: number, n: number): number {
  check(Number.isInteger(i) && i >= -n && i < n, op, () => `index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/**
 * Runs its children in order, each output the next one's input.
 * `new Sequential(a, b, c)` names them "0", "1", "2"; `new Sequential({ conv: a, relu: b })` by key.
 */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      for (const [k, m] of Object.entries(modules[0] as Record<string, Module>)) {
        check(m instanceof Module, "Sequential", () => `"${k}" is not an nn.Module`);
        this.addModule(k, m);
      }
    } else
      (modules as Module[]).forEach((m, i) => {
        check(
          m instanceof Module,
          "Sequential",
          () => `argument ${i} is not an nn.Module (got ${typeof m}); pass layers such as new nn.ReLU()`,
        );
        this.addModule(String(i), m);
      });
  }
  forward(input: any): any {
    let x = input;
    for (const m of entries(this)) x = m.forward(x);
    return x;
  }
  get length(): number {
    return entries(this).length;
  }
  /** The i-th child (negative counts from the end). */
  get(i: number): Module {
    const c = entries(this);
    return c[position("Sequential.get", i, c.length)];
  }
  /** Appends a module under the next free index. */
  append(module: Module): this {
    this.addModule(String(this.length), module);
    return this;
  }
  /** A new Sequential of children [start, end), sharing the modules (like seq[start:end]). */
  slice(start = 0, end?: number): Sequential {
    const named = ownEntries(this).filter(([, v]) => v instanceof Module);
    return new Sequential(Object.fromEntries(named.slice(start, end)) as Record<string, Module>);
  }
  [Symbol.iterator](): Iterator<Module> {
    return entries(this)[Symbol.iterator]();
  }
}

/** A list of modules registered as children (a plain array would hide them from parameters()). */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  forward(): never {
    check(false, "ModuleList", "a ModuleList has no forward; iterate over it in your module's forward");
  }
  get length(): number {
    return entries(this).length;
  }
  get(i: number): Module {
    const c = entries(this);
    return c[position("ModuleList.get", i, c.length)];
  }
  /** Replaces the i-th module. */
  set(i: number, module: Module): void {
    this.addModule(String(position("ModuleList.set", i, this.length)), module);
  }
  append(module: Module): this {
    check(module instanceof Module, "ModuleList.append", () => `expects an nn.Module, got ${typeof module}`);
    this.addModule(String(this.length), module);
    return this;
  }
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return entries(this)[Symbol.iterator]();
  }
}
