// `OnnxModel`: an imported ONNX graph as an nn.Module. Each node is a child module (an nn layer
// or an OnnxOp) named after its weights ("fc" for fc.weight) or its node name, nested along dotted
// names ("layer1.0.conv1"); `forward` runs the nodes in the graph's order, looking each child up
// by name at call time, so `model.fc = new nn.Linear(512, 10)` replaces the head.

import { check, fmtShape, ReceptiveError } from "../../errors";
import { Module } from "../../nn/index";
import type { Tensor } from "../../tensor/tensor";
import { Tensor as TensorClass } from "../../tensor/tensor";
import { DataType, dataTypeName, type IrValueInfo } from "../format/ir";
import { kindOf } from "../messages";

/** One node to run: the child module's path, the graph values it is fed, the values it makes. */
export interface Step {
  path: string;
  inputs: string[];
  outputs: string[];
}

/** A namespace for nested node names ("layer1" in "layer1.0.conv1"); never called itself. */
export class Scope extends Module {
  forward(): never {
    throw new ReceptiveError(
      "onnx",
      "a Scope only groups the imported nodes below it; call the model instead",
    );
  }
}

export class OnnxModel extends Module {
  /** The file the model came from ("the model bytes" for bytes). */
  declare readonly source: string;
  /** The default domain's opset of the file. */
  declare readonly opset: number;
  declare readonly producer: string;
  declare readonly graphInputs: readonly IrValueInfo[];
  declare readonly graphOutputs: readonly string[];
  declare private readonly steps: readonly Step[];
  declare private readonly constants: ReadonlyMap<string, Tensor>;

  constructor(info: {
    source: string;
    opset: number;
    producer: string;
    inputs: IrValueInfo[];
    outputs: string[];
    steps: Step[];
    constants: Map<string, Tensor>;
  }) {
    super();
    // Not enumerable: none of these is a parameter, buffer or child.
    for (const [k, v] of Object.entries({
      source: info.source,
      opset: info.opset,
      producer: info.producer,
      graphInputs: info.inputs,
      graphOutputs: info.outputs,
      steps: info.steps,
      constants: info.constants,
    }))
      Object.defineProperty(this, k, { value: v, enumerable: false });
  }

  /** Runs the graph: one input per graph input (in order); a Tensor, or an array for several outputs. */
  forward(...inputs: Tensor[]): any {
    this.checkInputs(inputs);
    const env = new Map<string, Tensor>(this.constants);
    for (const [i, v] of this.graphInputs.entries()) env.set(v.name, inputs[i]);
    for (const step of this.steps) {
      const args = step.inputs.map((name) => (name === "" ? null : env.get(name)!));
      const out = this.getSubmodule(step.path).forward(...args);
      const outs: Tensor[] = Array.isArray(out) ? out : [out];
      step.outputs.forEach((name, k) => {
        if (name !== "" && outs[k] !== undefined) env.set(name, outs[k]);
      });
    }
    const results = this.graphOutputs.map((name) => env.get(name)!);
    return results.length === 1 ? results[0] : results;
  }

  private checkInputs(inputs: unknown[]): void {
    const op = "OnnxModel.forward";
    const names = this.graphInputs.map((v) => `"${v.name}"`).join(", ");
    check(
      inputs.length === this.graphInputs.length,
      op,
      () =>
        `${this.source} takes ${this.graphInputs.length} input${this.graphInputs.length === 1 ? "" : "s"} (${names}), given ${inputs.length}`,
    );
    this.graphInputs.forEach((v, i) => {
      const t = inputs[i];
      const what = `${this.source} input "${v.name}"`;
      check(t instanceof TensorClass, op, () => `${what} must be a Tensor, got ${kindOf(t)}`);
      const isFloat =
        v.elemType === DataType.FLOAT || v.elemType === DataType.DOUBLE || v.elemType === DataType.FLOAT16;
      check(
        v.elemType === 0 || isFloat === (t.dtype === "float32"),
        op,
        () =>
          `${what} expects ${dataTypeName[v.elemType]} values, given a ${t.dtype} tensor; convert it with .${isFloat ? "float" : "long"}()`,
      );
      if (v.shape === null) return;
      const expected = `[${v.shape.map((d) => d ?? "?").join(", ")}]`;
      check(
        t.ndim === v.shape.length,
        op,
        () =>
          `${what} expects rank ${v.shape!.length} ${expected}, given rank ${t.ndim} with shape ${fmtShape(t.shape)}`,
      );
      v.shape.forEach((d, j) => {
        check(
          typeof d !== "number" || d === t.shape[j],
          op,
          () =>
            `${what} expects shape ${expected}, given ${fmtShape(t.shape)} (dim ${j} is ${t.shape[j]}, expected ${d})`,
        );
      });
    });
  }

  override extraRepr(): string {
    const inputs = this.graphInputs
      .map((v) => `${v.name}: [${(v.shape ?? []).map((d) => d ?? "?").join(", ")}]`)
      .join(", ");
    return `${this.source}, opset ${this.opset}${this.producer ? `, from ${this.producer}` : ""}, inputs ${inputs}`;
  }
}
