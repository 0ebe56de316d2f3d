// `fit(model, loader, {epochs, optimizer, lossFn, valLoader, metrics})`: the lecture's training
// loop as one call, Keras-style. Per batch: forward, loss, zeroGrad, backward, step, in train mode;
// per epoch: validation in eval mode without gradients, the scheduler's step, `onEpoch`. In a
// notebook it shows a progress bar (epoch, batch i/n, ETA, images/s, running loss) and live
// loss / accuracy curves (train vs validation), both redrawn in place; outside one it writes a
// plain line per epoch to stderr. Returns the history {loss, accuracy, valLoss, valAccuracy, ...}.
//
// Stopping: `stopSignal` (an AbortSignal) or the notebook's Stop ends training after the current
// batch; the weights trained so far stay in the model. NOTE: the kernel abandons an interrupted
// cell at its next await, so after Stop the cell gets no return value: `fit.history` holds the
// latest run's history, updated after every epoch, and the kernel runs fit's cleanup (train/eval
// modes restored, the progress bar marked stopped) through its interrupt handlers.

import type { DisplaySink } from "../display/sink";
import { noGrad } from "../engine/autograd/grad-mode";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { registerModel } from "./feature-map-requests";
import { LiveCurves } from "./live-curves";
import { sinkOrUndefined } from "./live-sink";
import { formatDuration, ProgressBar, type ProgressState, stoppedAt } from "./progress-bar";
import type { Clock } from "./throttle";

export type LossFn = ((output: any, target: any) => Tensor) | { forward(output: any, target: any): Tensor };
/** A batch metric: the mean over the batch's samples (weighted by batch size over the epoch). */
export type MetricFn = (output: Tensor, target: Tensor) => number;

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  optimizer: { zeroGrad(): void; step(): unknown };
  /** F.crossEntropy, new nn.CrossEntropyLoss(), or any (output, target) => scalar tensor. */
  lossFn: LossFn;
  valLoader?: AsyncIterable<any> | Iterable<any>;
  /** "accuracy" (default) and/or named functions; [] for none. */
  metrics?: (string | Record<string, MetricFn>)[] | Record<string, MetricFn>;
  /** Stepped after every epoch (ReduceLROnPlateau gets the validation loss, else the train loss). */
  scheduler?: { step(metric?: any): void };
  /** Called after every epoch with the history so far; may be async. */
  onEpoch?: (epoch: number, history: History) => unknown;
  /** Ends training after the current batch when aborted. */
  stopSignal?: AbortSignal;
  /** Same as stopSignal. */
  signal?: AbortSignal;
  /** Show the progress bar and curves (default: when running in a notebook cell). */
  display?: boolean;
  /** Headless: the per-epoch lines (default: to stderr); `false` for silence. */
  log?: ((line: string) => void) | false;
  /** For tests: the display sink and the throttles' clock. */
  sink?: DisplaySink;
  clock?: Clock;
}

export interface History {
  /** Mean training loss per epoch. */
  loss: number[];
  valLoss: number[];
  /** Plus one list per metric: accuracy, valAccuracy, ... */
  [metric: string]: any;
  /** Epochs finished. */
  epochs: number;
  /** True when a stop signal or an interrupt ended training early. */
  stopped: boolean;
  /** Learning rate of the first parameter group at each epoch's end (when the optimizer has one). */
  lr: number[];
}

/** Fraction of rows whose argmax equals the target (classification outputs (N, K), targets (N)). */
export function accuracy(output: Tensor, target: Tensor): number {
  if (output.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== output.shape[0]) return Number.NaN;
  const pred = output.argmax(1).storage;
  const t = target.contiguous().storage;
  let correct = 0;
  for (let i = 0; i < target.shape[0]; i++) if (pred[i] === t[i]) correct++;
  return correct / target.shape[0];
}

function metricTable(spec: FitOptions["metrics"]): [string, MetricFn][] {
  const list = spec === undefined ? ["accuracy"] : Array.isArray(spec) ? spec : [spec];
  const out: [string, MetricFn][] = [];
  for (const m of list) {
    if (m === "accuracy" || m === "acc") out.push(["accuracy", accuracy]);
    else if (typeof m === "string")
      throw new Error(
        `fit: unknown metric "${m}"; use "accuracy" or pass { name: (output, target) => number }`,
      );
    else for (const [k, fn] of Object.entries(m)) out.push([k, fn]);
  }
  return out;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function splitBatch(batch: unknown): [any, any] {
  if (Array.isArray(batch) && batch.length >= 2) return [batch[0], batch[1]];
  throw new Error(
    `fit: each batch must be [inputs, targets] (as a DataLoader over a TensorDataset yields), got ${batch === null ? "null" : typeof batch}`,
  );
}

/** Registers `fn` to run if the notebook stops the running cell (the kernel abandons it, so no `finally` runs). */
function onCellInterrupt(fn: () => void): () => void {
  const register = (globalThis as Record<symbol, unknown>)[Symbol.for("receptive.onCellInterrupt")];
  return typeof register === "function" ? (register as (f: () => void) => () => void)(fn) : () => {};
}

function runningCellInterrupted(): () => boolean {
  const get = (globalThis as Record<symbol, unknown>)[Symbol.for("receptive.runningCellToken")];
  const token = typeof get === "function" ? (get as () => { interrupted: boolean } | undefined)() : undefined;
  return () => token?.interrupted === true;
}

async function* batchesOf(loader: AsyncIterable<any> | Iterable<any>): AsyncGenerator<any> {
  if (Symbol.asyncIterator in Object(loader)) {
    for await (const b of loader as AsyncIterable<any>) yield b;
    return;
  }
  for (const b of loader as Iterable<any>) {
    await yieldTurn(); // give displays and Stop a turn, as the DataLoader does
    yield b;
  }
}

/** Sums of loss and metrics weighted by samples, and their means. */
class Meter {
  private sums = new Map<string, number>();
  private counts = new Map<string, number>();
  add(name: string, value: number, n: number): void {
    if (!Number.isFinite(value)) return;
    this.sums.set(name, (this.sums.get(name) ?? 0) + value * n);
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = s / (this.counts.get(k) as number);
    return out;
  }
}

/** Trains `model` on `loader`; see the top of this file. */
/** The name of fit's per-batch curve on the live curves (the renderer draws it thin). */
export const PER_BATCH = "train, per batch (smoothed)";

export async function fit(
  model: Module,
  loader: AsyncIterable<any> | Iterable<any>,
  options: FitOptions,
): Promise<History> {
  if (model === null || typeof model !== "object" || typeof (model as Module).forward !== "function")
    throw new TypeError("fit: the first argument must be an nn.Module");
  if (
    loader === null ||
    typeof loader !== "object" ||
    !(Symbol.asyncIterator in loader || Symbol.iterator in loader)
  )
    throw new TypeError(
      "fit: the second argument must be a DataLoader (or any iterable of [inputs, targets] batches)",
    );
  if (options === undefined || options.optimizer === undefined || options.lossFn === undefined)
    throw new Error(
      "fit: needs { optimizer, lossFn }, e.g. fit(model, loader, { epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: F.crossEntropy })",
    );
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  const { optimizer, valLoader, scheduler, onEpoch } = options;
  const lossOf =
    typeof options.lossFn === "function"
      ? options.lossFn
      : (o: any, t: any) => (options.lossFn as { forward(o: any, t: any): Tensor }).forward(o, t);
  const metrics = metricTable(options.metrics);
  const signals = [options.stopSignal, options.signal].filter((s): s is AbortSignal => s !== undefined);
  const interrupted = runningCellInterrupted();
  const shouldStop = () => signals.some((s) => s.aborted) || interrupted();

  const sink = options.sink ?? (options.display === false ? undefined : sinkOrUndefined());
  const showing = sink !== undefined && options.display !== false;
  const bar = showing ? new ProgressBar({ sink, clock: options.clock }) : undefined;
  const curves = showing
    ? new LiveCurves({
        title: `${model.constructor.name} training`,
        xLabel: "epoch",
        sink,
        clock: options.clock,
      })
    : undefined;
  const log =
    options.log === false
      ? undefined
      : (options.log ?? (showing ? undefined : (line: string) => process.stderr.write(`${line}\n`)));

  const history: History = { loss: [], valLoss: [], epochs: 0, stopped: false, lr: [] };
  for (const [name] of metrics) {
    history[name] = [];
    history[`val${capital(name)}`] = [];
  }
  fit.history = history;
  const batches =
    typeof (loader as { length?: unknown }).length === "number"
      ? (loader as unknown as { length: number }).length
      : undefined;
  registerModel(model); // its last input is kept: feature maps on click, the model's display
  const modes = model.modules().map((m) => m.training);
  const started = performance.now();
  let trainBatchesDone = 0;
  let trainSeconds = 0;
  // Per-batch points on the live curves: about 20 an epoch, at most about 1,000 in all (a long run
  // would otherwise send tens of thousands of points several times a second).
  const batchEvery =
    batches === undefined ? 1 : Math.max(1, Math.floor(batches / 20), Math.floor((batches * epochs) / 1000));
  // The per-batch curve: the batch losses smoothed by an exponential moving average that runs across
  // epochs (with TensorBoard's bias correction), so it does not restart at every epoch boundary
  // the way the epoch's running mean does. The "train" curve holds the epoch means.
  const smoothing = 0.9;
  let ema = 0;
  let emaCount = 0;
  // Restores train/eval modes and closes the bar and curves: at the end, or when the notebook's
  // Stop abandons the cell (then the `finally` below never runs; the kernel calls it instead).
  // Where training is, for the bar after a Stop: the epoch, the training batches done in it, and
  // that epoch's running loss and metrics.
  const at = { epoch: 1, batch: 0, inValidation: false, values: {} as Record<string, number> };
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    model.modules().forEach((m, i) => {
      m.training = modes[i];
    });
    if (history.stopped || interrupted()) {
      history.stopped = true;
      const stopped: ProgressState = {
        epochs,
        batches,
        phase: "stopped",
        ...at,
        elapsedSeconds: (performance.now() - started) / 1000,
      };
      bar?.flush(stopped);
      log?.(`fit: ${stoppedAt(stopped)}; the weights trained so far are kept`);
    }
    curves?.close();
  };
  const unregister = onCellInterrupt(finish);

  try {
    for (let epoch = 1; epoch <= epochs && !history.stopped; epoch++) {
      model.train();
      const meter = new Meter();
      let batch = 0;
      let images = 0;
      const epochStart = performance.now();
      Object.assign(at, { epoch, batch: 0, inValidation: false, values: {} });
      const state = (phase: string): ProgressState => {
        const perBatch = trainBatchesDone > 0 ? trainSeconds / trainBatchesDone : undefined;
        const left =
          batches !== undefined && perBatch !== undefined
            ? ((epochs - epoch) * batches + (batches - batch)) * perBatch
            : undefined;
        const secs = (performance.now() - epochStart) / 1000;
        return {
          epoch,
          epochs,
          batch,
          batches,
          phase,
          etaSeconds: left,
          imagesPerSecond: secs > 0 ? images / secs : undefined,
          values: meter.means(),
        };
      };
      for await (const b of batchesOf(loader)) {
        if (shouldStop()) {
          history.stopped = true;
          break;
        }
        const t0 = performance.now();
        const [x, y] = splitBatch(b);
        const out = model.forward(x);
        const loss = lossOf(out, y);
        if (!isTensor(loss) || loss.numel !== 1)
          throw new Error(
            `fit: lossFn must return a scalar tensor, got ${isTensor(loss) ? `shape [${loss.shape.join(", ")}]` : typeof loss}`,
          );
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        const n = isTensor(x) && x.ndim > 0 ? x.shape[0] : 1;
        const lossValue = loss.item();
        meter.add("loss", lossValue, n);
        ema = smoothing * ema + (1 - smoothing) * lossValue;
        emaCount++;
        if (isTensor(out) && isTensor(y))
          noGrad(() => {
            for (const [name, fn] of metrics) meter.add(name, fn(out, y), n);
          });
        batch++;
        images += n;
        Object.assign(at, { batch, values: meter.means() });
        trainBatchesDone++;
        trainSeconds += (performance.now() - t0) / 1000;
        bar?.update(state("train"));
        if (curves && batches && (batch % batchEvery === 0 || batch === batches))
          curves.push({
            x: epoch - 1 + batch / batches,
            split: PER_BATCH,
            loss: ema / (1 - smoothing ** emaCount),
          });
      }
      if (batch === 0 && !history.stopped)
        throw new Error(
          "fit: the loader gave no batches; check the dataset is not empty (and dropLast with a small dataset)",
        );
      const train = meter.means();
      if (batch > 0) {
        history.loss.push(train.loss);
        for (const [name] of metrics) history[name].push(train[name] ?? Number.NaN);
      }
      if (history.stopped) break;

      let val: Record<string, number> | undefined;
      if (valLoader !== undefined) {
        at.inValidation = true;
        bar?.flush(state("validation"));
        model.eval();
        const vm = new Meter();
        for await (const b of batchesOf(valLoader)) {
          if (shouldStop()) {
            history.stopped = true;
            break;
          }
          const [x, y] = splitBatch(b);
          noGrad(() => {
            const out = model.forward(x);
            const n = isTensor(x) && x.ndim > 0 ? x.shape[0] : 1;
            vm.add("loss", lossOf(out, y).item(), n);
            if (isTensor(out) && isTensor(y)) for (const [name, fn] of metrics) vm.add(name, fn(out, y), n);
          });
        }
        if (history.stopped) break;
        at.inValidation = false;
        val = vm.means();
        history.valLoss.push(val.loss);
        for (const [name] of metrics) history[`val${capital(name)}`].push(val[name] ?? Number.NaN);
      }
      history.epochs = epoch;
      const lr = (optimizer as { paramGroups?: { lr?: number }[] }).paramGroups?.[0]?.lr;
      if (typeof lr === "number") history.lr.push(lr);
      if (scheduler) {
        const plateau = scheduler.step.length > 0;
        scheduler.step(plateau ? (val?.loss ?? train.loss) : undefined);
      }
      curves?.push({ x: epoch, split: "train", ...train });
      if (val) curves?.push({ x: epoch, split: "validation", ...val });
      bar?.flush(state(epoch === epochs ? "done" : "train"));
      const secs = (performance.now() - epochStart) / 1000;
      log?.(
        `epoch ${epoch}/${epochs} · ${Object.entries(train)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(" · ")}${
          val
            ? ` · ${Object.entries(val)
                .map(([k, v]) => `val${capital(k)} ${v.toFixed(4)}`)
                .join(" · ")}`
            : ""
        } · ${formatDuration(secs)} · ${Math.round(images / Math.max(secs, 1e-9)).toLocaleString("en-US")} img/s`,
      );
      if (onEpoch) await onEpoch(epoch, history);
      if (shouldStop()) history.stopped = epoch < epochs;
    }
  } finally {
    unregister();
    finish();
  }
  return history;
}

/** The latest fit()'s history (also after a Stop, when the cell gets no return value). */
fit.history = undefined as History | undefined;
