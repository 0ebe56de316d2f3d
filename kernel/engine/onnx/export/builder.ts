// Collects an ONNX graph while the exporter walks a traced forward: nodes with unique names,
// initializers (parameters under their state-dict names, constants under made-up ones), and
// value names.

import type { Tensor } from "../../tensor/tensor";
import { DataType, type IrAttr, type IrNode, type IrTensor } from "../format/ir";

export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly initializers: IrTensor[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly memos = new Map<unknown, unknown>();

  constructor(
    /** The default-domain opset being written. */
    readonly opset: number,
    /** Whether dim 0 (the batch) is left dynamic. */
    readonly dynamicBatch: boolean,
  ) {}

  /** `base`, or `base_1`, `base_2`... whichever is still free. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name that must be used exactly as given (graph inputs); false when taken. */
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** Adds a node; returns its output names (`outputs` of them, named after the node). */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, IrAttr> = {},
    name = opType,
    outputs = 1,
  ): string[] {
    const nodeName = this.unique(name);
    const outs = Array.from({ length: outputs }, (_, i) =>
      i === 0 ? nodeName : this.unique(`${nodeName}:${i}`),
    );
    this.nodes.push({ name: nodeName, opType, domain: "", inputs: [...inputs], outputs: outs, attrs });
    return outs;
  }

  /** `make()` once per key (a layer call with several outputs writes its nodes once). */
  memo<T>(key: unknown, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** A one-output node; returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, IrAttr> = {}, name = opType): string {
    return this.node(opType, inputs, attrs, name)[0];
  }

  /** A float32 initializer holding `t`'s values, named `name` (a parameter's state-dict name). */
  tensor(name: string, t: Tensor): string {
    const unique = this.unique(name);
    const data = t.storage.slice();
    const dataType =
      t.dtype === "float32" ? DataType.FLOAT : t.dtype === "bool" ? DataType.BOOL : DataType.INT64;
    this.initializers.push({
      name: unique,
      dims: [...t.shape],
      dataType,
      data:
        dataType === DataType.FLOAT
          ? data
          : dataType === DataType.BOOL
            ? Uint8Array.from(data)
            : BigInt64Array.from(data, (v) => BigInt(v)),
    });
    return unique;
  }

  /** A constant float32 initializer (shared between identical uses). */
  floats(values: readonly number[], dims: readonly number[], hint = "const"): string {
    return this.constant(DataType.FLOAT, Float32Array.from(values), dims, hint);
  }

  /** A constant int64 initializer, e.g. a Reshape's target shape. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length], hint = "const"): string {
    return this.constant(
      DataType.INT64,
      BigInt64Array.from(values, (v) => BigInt(v)),
      dims,
      hint,
    );
  }

  private constant(
    dataType: number,
    data: Float32Array | BigInt64Array,
    dims: readonly number[],
    hint: string,
  ): string {
    // Small constants (shapes, scalars) are shared between the nodes that use the same values.
    const key =
      data.length <= 64
        ? `${dataType}|${dims.join(",")}|${Array.from(data as ArrayLike<number | bigint>).join(",")}`
        : null;
    const known = key === null ? undefined : this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [...dims], dataType, data });
    if (key !== null) this.constants.set(key, name);
    return name;
  }
}
