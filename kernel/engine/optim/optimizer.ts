// The Optimizer base (torch.optim.Optimizer): parameter groups with their own hyperparameters,
// per-parameter state (momentum buffers, Adam moments), zeroGrad, and state dicts for resuming.
//
// NOTE: zeroGrad's default is PyTorch 1.13's: zero each `.grad` in place (`setToNone: false`);
// `{ setToNone: true }` drops them instead (PyTorch 2's default). Updates run outside autograd and
// write into the parameters' storage, so views of a parameter see the new values.

import { noGrad } from "../autograd/grad-mode";
import { bumpVersion } from "../autograd/version";
import { newStorage } from "../backends/registry";
import { check } from "../errors";
import { Tensor } from "../tensor/tensor";

/** A group of parameters sharing hyperparameters (lr, momentum, weightDecay...). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

/** What a user passes for a group: its params and any hyperparameters that differ from the defaults. */
export type ParamGroupInput = { params: Iterable<Tensor> | Tensor } & Record<string, unknown>;

/** Per-parameter state: tensors (moments) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** A serialisable optimizer state: parameters are referred to by their index across groups. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  /** Per-parameter state, created lazily on the first step. */
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: Record<string, unknown>;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, defaults: Record<string, unknown>) {
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupInput>)];
    check(list.length > 0, this.constructor.name, "got an empty parameter list; pass model.parameters()");
    if (list[0] instanceof Tensor) this.addParamGroup({ params: list as Tensor[] });
    else for (const g of list as ParamGroupInput[]) this.addParamGroup(g);
  }

  /** Adds a group (e.g. a newly unfrozen layer with its own lr); missing options take the defaults. */
  addParamGroup(group: ParamGroupInput): void {
    const name = this.constructor.name;
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    for (const [i, p] of params.entries())
      check(
        p instanceof Tensor,
        name,
        () => `parameter ${i} of group ${this.paramGroups.length} is not a Tensor`,
      );
    for (const p of params)
      check(
        p.isLeaf,
        name,
        "can't optimize a non-leaf Tensor (the result of an op); optimize the parameters themselves",
      );
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    check(
      params.every((p) => !seen.has(p)),
      name,
      "some parameters appear in more than one parameter group",
    );
    const full: ParamGroup = { ...this.defaults, ...group, params } as ParamGroup;
    check(
      typeof full.lr === "number" && full.lr >= 0,
      name,
      () =>
        `lr must be a non-negative number, got ${String(full.lr)}; e.g. new optim.SGD(params, { lr: 0.01 })`,
    );
    this.paramGroups.push(full);
  }

  /**
   * Clears the gradients of every parameter: zeroed in place by default (PyTorch 1.13), or set to
   * null with `{ setToNone: true }`.
   */
  zeroGrad({ setToNone = false }: { setToNone?: boolean } = {}): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          p.grad.storage.fill(0);
          bumpVersion(p.grad.storage, "zeroGrad");
        }
      }
  }

  /** One update of every parameter that has a gradient. `closure` re-evaluates the loss when given. */
  step(closure?: () => number | Tensor): number | Tensor | undefined {
    const loss = closure?.();
    noGrad(() => {
      for (const group of this.paramGroups)
        for (const p of group.params) {
          if (p.grad === null) continue;
          let s = this.state.get(p);
          if (s === undefined) {
            s = {};
            this.state.set(p, s);
          }
          this.update(p.storage, p.grad.storage, s, group);
          // An in-place write like any other: a graph that saved p can no longer backward.
          bumpVersion(p.storage, `${this.constructor.name}.step`);
        }
    });
    return loss;
  }

  /** Updates one parameter's values in place from its gradient, state and group options. */
  protected abstract update(
    param: Float32Array,
    grad: Float32Array,
    state: ParamState,
    group: ParamGroup,
  ): void;

  /** A state buffer shaped like `like`, created (zeros, or a copy of `init`) on first use. */
  protected buffer(state: ParamState, key: string, like: Float32Array, init?: Float32Array): Float32Array {
    let t = state[key];
    if (!(t instanceof Tensor)) {
      const values = newStorage(like.length); // in wasm memory with the wasm backend: updated in place
      if (init) values.set(init);
      t = new Tensor(values, [like.length]);
      state[key] = t;
    }
    return t.storage;
  }

  /** Hyperparameters of each group and per-parameter state, with parameters as indices (copies). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      return {
        ...structuredClone(opts),
        params: params.map((p) => {
          if (!index.has(p)) index.set(p, index.size);
          return index.get(p)!;
        }),
      };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone() : v]),
      );
    }
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state saved by stateDict (same parameter layout). */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = `${this.constructor.name}.loadStateDict`;
    check(
      sd.paramGroups.length === this.paramGroups.length,
      name,
      () =>
        `the state dict has ${sd.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`,
    );
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((g, gi) => {
      const mine = this.paramGroups[gi];
      check(
        g.params.length === mine.params.length,
        name,
        () =>
          `group ${gi} has ${g.params.length} parameters in the state dict and ${mine.params.length} here`,
      );
      for (const [k, idx] of g.params.entries()) byIndex.set(idx, mine.params[k]);
    });
    this.state.clear();
    for (const [i, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(i));
      if (p === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor)
          check(
            v.numel === p.numel || k === "step",
            name,
            () => `state "${k}" of parameter ${i} has ${v.numel} values but the parameter has ${p.numel}`,
          );
        copy[k] = v instanceof Tensor ? v.clone() : v;
      }
      this.state.set(p, copy);
    }
    sd.paramGroups.forEach((g, gi) => {
      const { params: _ignored, ...opts } = g;
      Object.assign(this.paramGroups[gi], structuredClone(opts));
    });
  }
}

/** Reads a numeric group option (the optimizers' hyperparameters). */
export function num(group: ParamGroup, key: string): number {
  return group[key] as number;
}
