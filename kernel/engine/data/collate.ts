// Turning a list of samples into one batch (torch's default_collate): tensors are stacked along
// a new first dim, numbers become a tensor (int64 when all are integers), and tuples/objects
// are collated position by position / key by key.

import { check } from "../errors";
import { stack } from "../ops/shape";
import { tensor } from "../tensor/create";
import { Tensor } from "../tensor/tensor";

export function defaultCollate(samples: readonly unknown[]): any {
  check(samples.length > 0, "collate", "cannot collate an empty batch");
  const first = samples[0];
  if (first instanceof Tensor) return stack(samples as Tensor[]);
  if (typeof first === "number" || typeof first === "boolean") {
    const values = samples as number[];
    const ints = values.every((v) => Number.isInteger(v));
    return tensor(values.map(Number), {
      dtype: typeof first === "boolean" ? "bool" : ints ? "int64" : "float32",
    });
  }
  if (Array.isArray(first)) {
    for (const s of samples)
      check(
        Array.isArray(s) && s.length === first.length,
        "collate",
        "every sample in a batch must have the same number of elements",
      );
    return first.map((_, k) => defaultCollate(samples.map((s) => (s as unknown[])[k])));
  }
  if (first !== null && typeof first === "object")
    return Object.fromEntries(
      Object.keys(first).map((k) => [
        k,
        defaultCollate(samples.map((s) => (s as Record<string, unknown>)[k])),
      ]),
    );
  check(false, "collate", () => `cannot batch samples of type ${typeof first}; return tensors or numbers`);
}
