// Errors in the user's terms: every message names the op, what it expected, what it got and,
// where obvious, how to fix it. `check` is the one helper ops use for validation.

/** An error raised by an engine op; `op` names the function the user called. */
export class ReceptiveError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = "ReceptiveError";
  }
}

/** Throws `op: message` when `condition` is false. Pass a function to build costly messages lazily. */
export function check(condition: boolean, op: string, message: string | (() => string)): asserts condition {
  if (!condition) throw new ReceptiveError(op, typeof message === "string" ? message : message());
}

/** `[8, 3, 32, 32]` as users read shapes in messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
