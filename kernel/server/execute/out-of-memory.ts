// Turns the engine's allocation failures into an error in the user's terms. A tensor too big for
// memory surfaces as a bare RangeError from a typed array or from wasm memory growth somewhere deep
// in an op; the cell gets an OutOfMemoryError that says how big, which op, and what to do, and the
// kernel with its variables lives on (nothing was allocated).

const TYPED_ARRAY_LENGTH = /Invalid typed array length: (\d+)/;
const ALLOCATION_FAILED =
  /Array buffer allocation failed|WebAssembly\.Memory\.grow|Maximum memory size exceeded|Out of memory|Cannot allocate/i;

export class OutOfMemoryError extends Error {
  override name = "OutOfMemoryError";
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** The engine function the user's code called (the outermost engine frame), e.g. "zeros" or "Conv2d.forward". */
function engineFunction(stack: string): string | null {
  let called: string | null = null;
  for (const line of stack.split("\n").slice(1)) {
    const m = /at (?:new )?([\w$.<>]+) \(.*[\\/]kernel[\\/]engine[\\/]/.exec(line);
    if (m === null) {
      if (called !== null) break; // left the engine: the previous frame is what the user called
      continue;
    }
    called = m[1];
  }
  return called?.replace(/^Object\./, "") ?? null;
}

/** `err` as an OutOfMemoryError when it is an allocation failure, else `err` itself. */
export function explainOutOfMemory(err: unknown): unknown {
  if (!(err instanceof RangeError) || err instanceof OutOfMemoryError) return err;
  const length = TYPED_ARRAY_LENGTH.exec(err.message);
  if (length === null && !ALLOCATION_FAILED.test(err.message)) return err;
  const where = engineFunction(err.stack ?? "");
  const size = length
    ? `a tensor of ${Number(length[1]).toLocaleString("en-US")} values (${gigabytes(4 * Number(length[1]))} as float32)`
    : "a tensor";
  const explained = new OutOfMemoryError(
    `out of memory${where ? ` in ${where}` : ""}: ${size} could not be allocated (${err.message}). ` +
      "The kernel and your variables are fine. Use a smaller batch size or input, " +
      "or drop big tensors you no longer need (set their variables to null).",
  );
  explained.stack = `${explained.name}: ${explained.message}\n${(err.stack ?? "").split("\n").slice(1).join("\n")}`;
  return explained;
}
