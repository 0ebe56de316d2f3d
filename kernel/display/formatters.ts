// Which class displays how: a registry of formatters keyed by class, looked up along a value's
// prototype chain (nearest class first), as IPython's `for_type`. The display layer knows no
// classes itself: `kernel/viz/formatters.ts` registers the engine's (Tensor, Module, Dataset,
// ModelSummary, the ONNX objects), so the engine never imports display code.

import type { MimeBundle } from "./schema";

/** Turns one value of a registered class into a MIME bundle (text/plain is added when missing). */
export type Formatter<T> = (value: T) => MimeBundle;

// NOTE: keyed by the class's prototype, the object a value's prototype chain actually passes
// through (a `constructor` property can be overwritten; the chain cannot be faked that way).
const formatters = new Map<object, Formatter<never>>();

/**
 * Shows instances of `cls` (and of its subclasses without a formatter of their own) with `format`.
 * Registering a class again replaces its formatter.
 */
export function registerFormatter<T extends object>(
  cls: { readonly prototype: T },
  format: Formatter<T>,
): void {
  // (typed by its prototype, so classes with private constructors register too)
  if (typeof (cls as unknown) !== "function" || typeof cls.prototype !== "object" || cls.prototype === null)
    throw new TypeError(`registerFormatter: expected a class, got ${typeof cls}`);
  formatters.set(cls.prototype, format as Formatter<never>);
}

/** The formatter of the nearest class on `value`'s prototype chain that has one, if any. */
export function formatterFor(value: object): Formatter<object> | undefined {
  for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    const f = formatters.get(p);
    if (f !== undefined) return f as Formatter<object>;
  }
  return undefined;
}
