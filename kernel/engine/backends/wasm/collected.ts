// Which of the objects we follow the garbage collector has collected, learned synchronously, in
// the middle of a training loop that never yields to the event loop. resident-storage.ts follows
// each storage array it hands out with this, to take dead tensors' blocks back.
//
// How. Each followed object gets a WeakRef. After a full GC, `deref()` is undefined for the
// collected ones, and `sweep` hands their data to the callback. One catch: ECMAScript keeps every
// WeakRef target made or read during the current job alive until the job ends (V8's "kept
// objects"), and a synchronous loop is one job, so nothing it made could be collected. Running a
// script in a vm context with its own microtask queue ends such a job early: V8 clears the kept
// objects at every microtask checkpoint, and that context runs one after each evaluation (the
// `release` keptReleaser returns, 2-5 us; it runs no other microtask, of this context or the main
// one). Tested here on Node 20 and 24 (test/wasm/collected.test.ts), by hand on Node 22.
// NOTE: a FinalizationRegistry with `cleanupSome` did this before; V8 13 (Node 24, VS Code's
// Electron) removed `cleanupSome`, and without it the storage never got a block back inside a loop
// (ResNet-18-CIFAR width 16 on Node 24 filled the 1 GiB budget in 30 steps, then ran 35% slower on
// ordinary arrays). WeakRefs also post no cleanup task, so nothing runs during process teardown
// (see ../../finalization.ts).
// NOTE: the release is process-wide: after a reclaim, any WeakRef target made or read in the
// current job, the user's too, may be collected before the job ends, as if the job had ended there
// (so `if (r.deref()) { op(); r.deref().x }` can fail if `op` reclaims). ECMAScript promises
// otherwise; nothing in this project relies on it.

import { createContext, Script } from "node:vm";

export interface Collected<T> {
  /** Follows `target`: once the GC has collected it, a later `sweep` passes `held` to the callback. */
  follow(target: object, held: T): void;
  /** Passes the data of every followed object collected so far to the callback, and forgets them. */
  sweep(): void;
  /**
   * Whether a full GC may have collected followed objects since the last sweep without one being
   * forced (a job has ended and a full GC run since; minor GCs clear no WeakRef): a sweep then finds
   * them at the cost of walking the list (~0.4 us an entry).
   */
  gcSinceSweep(): boolean;
  /** How many objects are followed (collected ones stay until the next sweep). */
  readonly size: number;
}

/**
 * Lets the GC collect WeakRef targets that the current job made or read (see the top), or null
 * where the runtime does not (checked once with `gc`, a full GC: most of a few objects made in this
 * job must be collected after a release; the last one made may still sit in a register).
 */
export function keptReleaser(gc: () => void): (() => void) | null {
  try {
    const context = createContext({}, { microtaskMode: "afterEvaluate" });
    const script = new Script("0");
    const release = () => void script.runInContext(context);
    const refs = Array.from({ length: 8 }, () => new WeakRef(makeGarbage()));
    release();
    gc();
    return refs.filter((r) => r.deref() === undefined).length >= 4 ? release : null;
  } catch {
    return null;
  }
}

/** A fresh object nothing else references (a function, so no caller's stack slot holds it). */
function makeGarbage(): object {
  return { garbage: true };
}

/** Follows objects for `onCollected` (see the top). */
export function collected<T>(onCollected: (held: T) => void): Collected<T> {
  let refs: WeakRef<object>[] = [];
  let helds: T[] = [];
  /** A throwaway object made at the last sweep: once collected, a GC has run after its job ended. */
  let canary = new WeakRef<object>(makeGarbage());
  return {
    follow(target, held) {
      refs.push(new WeakRef(target));
      helds.push(held);
    },
    sweep() {
      const liveRefs: WeakRef<object>[] = [];
      const liveHelds: T[] = [];
      const dead: T[] = [];
      for (let i = 0; i < refs.length; i++) {
        if (refs[i].deref() === undefined) dead.push(helds[i]);
        else {
          liveRefs.push(refs[i]);
          liveHelds.push(helds[i]);
        }
      }
      // The lists drop the dead first: a callback that throws (an interrupt) can leak a block,
      // never hand it out twice.
      refs = liveRefs;
      helds = liveHelds;
      canary = new WeakRef<object>(makeGarbage());
      for (const h of dead) onCollected(h);
    },
    gcSinceSweep: () => canary.deref() === undefined,
    get size() {
      return refs.length;
    },
  };
}
