// FinalizationRegistries that are safe when the process exits: each drops every registration first
// thing on the 'exit' event. NOTE: a GC after that point (in a later 'exit' listener, or while Node
// tears the process down) that finds registered targets dead posts V8's cleanup task, and Node 20
// runs it during teardown, where calling JavaScript is refused: the process died with "illegal
// access" (exit code 1 or an abort) after its work was done (nodejs/node#47748; a test file in CI,
// 1 run in 40). Running the pending callbacks on 'exit' does not help: the task calls into
// JavaScript anyway. A registry with no registrations left is never queued for cleanup.

/**
 * A registry of `Ctor` (this context's FinalizationRegistry, or another vm context's) calling
 * `onCollected(held)` for collected targets, whose registrations all go at exit (registering after
 * that does nothing: the process is ending).
 */
export function exitSafeRegistry<T>(
  Ctor: typeof FinalizationRegistry,
  onCollected: (held: T) => void,
): { registry: FinalizationRegistry<T>; register(target: object, held: T): void } {
  const registry = new Ctor<T>(onCollected);
  // Every registration carries this token, so that one unregister drops them all.
  const token = {};
  let exiting = false;
  atExit(() => {
    exiting = true;
    registry.unregister(token);
  });
  return {
    registry,
    register: (target, held) => {
      if (!exiting) registry.register(target, held, token);
    },
  };
}

/** What to do first when the process exits. */
const exitActions: (() => void)[] = [];

/** Runs `action` on the process's 'exit' event, before the listeners added before it. */
function atExit(action: () => void): void {
  if (exitActions.length === 0)
    process.prependListener("exit", () => {
      for (const a of exitActions) a();
    });
  exitActions.push(action);
}
