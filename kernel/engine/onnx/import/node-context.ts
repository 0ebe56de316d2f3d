// What an op-table entry sees of one ONNX node: its attributes (typed, with defaults), which of its
// inputs are initializers or constants, and the Parameters shared between nodes that use the same
// initializer. Entries throw NotImportable for what they cannot express; the importer collects them.

import * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import { DataType, type IrAttr, type IrNode, type IrTensor } from "../format/ir";

export class NotImportable extends Error {}

/** An initializer or Constant output as an engine tensor (integers labelled int64, stored exactly). */
export function toEngine(t: IrTensor): Tensor {
  const data =
    t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, Number);
  const isFloat =
    t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT16;
  return new Tensor(data, t.dims, isFloat ? "float32" : t.dataType === DataType.BOOL ? "bool" : "int64");
}

/** State shared by all nodes of one import. */
export interface GraphState {
  /** Initializers by name. */
  initializers: Map<string, IrTensor>;
  /** Values known at import time (initializers and Constant outputs) as engine tensors. */
  constants: Map<string, Tensor>;
  /** Parameters made from float initializers, shared by every node that uses one. */
  params: Map<string, nn.Parameter>;
  /** Values that are weights (become Parameters): float initializers, and what folding a
   * Cast/Reshape/Transpose... of one made. */
  weights: Set<string>;
  /** The default domain's opset. */
  opset: number;
}

export class NodeContext {
  constructor(
    readonly node: IrNode,
    readonly state: GraphState,
  ) {}

  get opset(): number {
    return this.state.opset;
  }

  private attr(name: string, kind: IrAttr["kind"]): { value: unknown } | undefined {
    const a = this.node.attrs[name];
    if (a !== undefined && a.kind !== kind)
      throw new NotImportable(`attribute ${name} should be ${kind}, is ${a.kind}`);
    return a as { value: unknown } | undefined;
  }
  int(name: string, fallback: number): number {
    return (this.attr(name, "int")?.value as number | undefined) ?? fallback;
  }
  float(name: string, fallback: number): number {
    return (this.attr(name, "float")?.value as number | undefined) ?? fallback;
  }
  string(name: string, fallback: string): string {
    return (this.attr(name, "string")?.value as string | undefined) ?? fallback;
  }
  floats(name: string): number[] | undefined {
    return this.attr(name, "floats")?.value as number[] | undefined;
  }
  ints(name: string): number[] | undefined {
    return this.attr(name, "ints")?.value as number[] | undefined;
  }
  tensorAttr(name: string): IrTensor | undefined {
    return this.attr(name, "tensor")?.value as IrTensor | undefined;
  }
  has(name: string): boolean {
    return name in this.node.attrs;
  }

  /** Input k's name ("" when absent). */
  input(k: number): string {
    return this.node.inputs[k] ?? "";
  }
  /** Input k's value when known at import time (initializer or Constant), else null. */
  constant(k: number): Tensor | null {
    return this.state.constants.get(this.input(k)) ?? null;
  }
  /** Input k as numbers, which must be known at import time (shapes, axes, pads...). */
  constInts(k: number, what: string): number[] | null {
    if (this.input(k) === "") return null;
    const t = this.constant(k);
    if (t === null)
      throw new NotImportable(
        `its ${what} (input ${k}, "${this.input(k)}") is computed in the graph; only constant ${what} are supported`,
      );
    return Array.from(t.storage);
  }
  /** True when input k is a float initializer (a weight). */
  isWeight(k: number): boolean {
    return this.state.weights.has(this.input(k));
  }
  /** The trainable Parameter for initializer input k (the same object for every node using it). */
  param(k: number): nn.Parameter {
    const name = this.input(k);
    let p = this.state.params.get(name);
    if (p === undefined) {
      const t = this.state.constants.get(name);
      if (t === undefined) throw new NotImportable(`input ${k} ("${name}") must be an initializer`);
      p = new nn.Parameter(new Tensor(t.storage.slice(), t.shape));
      this.state.params.set(name, p);
    }
    return p;
  }
  /** Whether input k is an initializer another node already made a Parameter of. */
  shared(k: number): boolean {
    return this.state.params.has(this.input(k));
  }
}
