// The modules an imported graph is made of, besides the nn layers ONNX ops map onto exactly:
// `OnnxOp` (one ONNX node run by a function over engine ops, holding its float initializers as
// Parameters; each op type gets its own subclass, so summaries show "Add", "Reshape"...), a Conv2d
// with ONNX's uneven or automatic padding, and batch norm over any rank.

import { check, fmtShape } from "../../errors";
import * as F from "../../nn/functional";
import * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";

/** How an OnnxOp gets each of its node's inputs: from the graph, its own Parameter, or a constant. */
export type Slot =
  | { kind: "runtime" }
  | { kind: "param"; name: string }
  | { kind: "const"; value: Tensor }
  | { kind: "absent" };

export type OpFn = (inputs: (Tensor | null)[]) => Tensor | Tensor[];

export class OnnxOp extends nn.Module {
  readonly opType: string;
  /** The node's attributes, as shown by toString(). */
  readonly attributes: string;
  private readonly slots: readonly Slot[];
  private readonly fn: OpFn;

  constructor(
    opType: string,
    attributes: string,
    slots: readonly Slot[],
    params: Record<string, nn.Parameter>,
    fn: OpFn,
  ) {
    super();
    this.opType = opType;
    this.attributes = attributes;
    this.slots = slots;
    this.fn = fn;
    for (const [k, p] of Object.entries(params)) this.registerParameter(k, p);
  }

  forward(...runtime: (Tensor | null)[]): Tensor | Tensor[] {
    let next = 0;
    const inputs = this.slots.map((s) => {
      if (s.kind === "runtime") return runtime[next++] ?? null;
      if (s.kind === "param") return (this as unknown as Record<string, Tensor>)[s.name];
      if (s.kind === "const") return s.value;
      return null;
    });
    return this.fn(inputs);
  }

  override extraRepr(): string {
    return this.attributes;
  }
}

const opClasses = new Map<string, typeof OnnxOp>();

/** An OnnxOp whose class is named after the op type (so summaries and reprs read "Add(...)"). */
export function onnxOp(
  opType: string,
  ...args: ConstructorParameters<typeof OnnxOp> extends [string, ...infer R] ? R : never
): OnnxOp {
  let cls = opClasses.get(opType);
  if (cls === undefined) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(opType) ? opType : "OnnxOp";
    cls = { [name]: class extends OnnxOp {} }[name];
    opClasses.set(opType, cls);
  }
  return new cls(opType, ...args);
}

/** ONNX padding on (N, C, ...spatial): fixed [begins..., ends...], or auto_pad worked out per input size. */
export type OnnxPads = { pads: number[] } | { auto: "SAME_UPPER" | "SAME_LOWER" };

/** F.pad's list (last dim first: [left, right, top, bottom]) for ONNX padding of `x`. */
export function torchPads(
  p: OnnxPads,
  x: Tensor,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const n = kernel.length;
  let begins: number[];
  let ends: number[];
  if ("pads" in p) {
    begins = p.pads.slice(0, n);
    ends = p.pads.slice(n);
  } else {
    begins = [];
    ends = [];
    for (let i = 0; i < n; i++) {
      const size = x.shape[2 + i];
      const span = dilations[i] * (kernel[i] - 1) + 1;
      const total = Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + span - size, 0);
      const small = Math.floor(total / 2);
      begins.push(p.auto === "SAME_UPPER" ? small : total - small);
      ends.push(total - begins[i]);
    }
  }
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(begins[i], ends[i]);
  return out;
}

/** Conv2d (or Conv1d) after ONNX padding the layer cannot express: uneven pads or auto_pad. */
export class PaddedConv2d extends nn.Conv2d {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number[],
    options: nn.ConvOptions,
    readonly onnxPads: OnnxPads,
  ) {
    super(inChannels, outChannels, kernelSize, { ...options, padding: 0 });
  }
  override forward(input: Tensor): Tensor {
    const pads = torchPads(this.onnxPads, input, this.kernelSize, this.stride, this.dilation);
    return super.forward(pads.some((p) => p !== 0) ? F.pad(input, pads) : input);
  }
  override extraRepr(): string {
    return `${super.extraRepr()}, onnxPads=${JSON.stringify("pads" in this.onnxPads ? this.onnxPads.pads : this.onnxPads.auto)}`;
  }
}

/** Batch norm over (N, C, ...) of any rank, as ONNX's BatchNormalization. */
export class BatchNorm extends nn.BatchNorm2d {
  protected override checkInput(input: Tensor): void {
    check(
      input.ndim >= 2,
      "BatchNorm",
      () => `expects (N, C, ...) input, got shape ${fmtShape(input.shape)}`,
    );
  }
}

/** A pool after ONNX padding PyTorch's pools cannot express (uneven, auto_pad), padded with `fill`. */
export class PaddedPool extends nn.Module {
  constructor(
    readonly pool: nn.Module,
    readonly onnxPads: OnnxPads,
    readonly kernel: number[],
    readonly strides: number[],
    readonly dilations: number[],
    readonly fill: number,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    const pads = torchPads(this.onnxPads, input, this.kernel, this.strides, this.dilations);
    return this.pool.forward(pads.some((p) => p !== 0) ? F.pad(input, pads, "constant", this.fill) : input);
  }
}

export { Tensor };
