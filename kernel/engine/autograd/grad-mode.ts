// Whether ops record themselves on the autograd graph. `noGrad(fn)` turns recording off for
// evaluation and parameter updates, like `with torch.no_grad():`.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording gradients; works with sync and async functions. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  // NOTE: an async fn keeps the mode until its promise settles, so `await noGrad(async () => ...)`
  // evaluates a whole loop without gradients.
  if (result instanceof Promise) return result.finally(() => (enabled = prev)) as T;
  enabled = prev;
  return result;
}
