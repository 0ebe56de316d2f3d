// fit()'s progress bar: one output redrawn in place (at most 5 times a second, the final state
// always drawn) as text/plain and text/html: epoch, batch i/n, ETA, images/s, running loss and
// metrics. Without a notebook cell it draws nothing (fit() writes plain lines instead).

import type { DisplaySink } from "../display/sink";
import { escapeHtml } from "./html";
import { LiveOutput } from "./live-sink";
import { type Clock, realClock, Throttle } from "./throttle";

export interface ProgressState {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, and per epoch (undefined when the loader has no length). */
  batch: number;
  batches?: number;
  /** "train", "validation", "done", "stopped" (then epoch and batch say where Stop came). */
  phase: string;
  /** With "stopped": Stop came during validation (after the epoch's training batches). */
  inValidation?: boolean;
  /** With "stopped": how long training ran. */
  elapsedSeconds?: number;
  etaSeconds?: number;
  imagesPerSecond?: number;
  /** Running means of this epoch: loss and metrics. */
  values: Record<string, number>;
}

/** "1:05", "12:00:03" */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/**
 * "stopped at epoch 2/20, batch 37/938" (", in validation" when Stop came there); "stopped after
 * epoch 2/20" when it came between epochs.
 */
export function stoppedAt(s: ProgressState): string {
  if (s.batches !== undefined && s.batch >= s.batches && !s.inValidation)
    return `stopped after epoch ${s.epoch}/${s.epochs}`;
  const batch = s.batches === undefined ? `batch ${s.batch}` : `batch ${s.batch}/${s.batches}`;
  return `stopped at epoch ${s.epoch}/${s.epochs}, ${batch}${s.inValidation ? ", in validation" : ""}`;
}

/**
 * One line: "epoch 2/5 [#######.......] 120/938 · ETA 0:42 · 1,530 img/s · loss 0.4123 · accuracy 0.8530";
 * after a Stop: "stopped at epoch 2/5, batch 120/938 · [#######.......] · 0:42 · loss 0.4123 · the
 * weights trained so far are kept".
 */
export function progressText(s: ProgressState): string {
  const frac = s.batches ? Math.min(1, s.batch / s.batches) : 0;
  const width = 24;
  const filled = Math.round(frac * width);
  const bar = s.batches
    ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${s.batch}/${s.batches}`
    : `${s.batch} batches`;
  if (s.phase === "stopped") {
    const parts = [stoppedAt(s)];
    if (s.batches) parts.push(`[${"#".repeat(filled)}${".".repeat(width - filled)}]`);
    if (s.elapsedSeconds !== undefined) parts.push(formatDuration(s.elapsedSeconds));
    for (const [k, v] of Object.entries(s.values)) parts.push(`${k} ${num(v)}`);
    return [...parts, "the weights trained so far are kept"].join(" · ");
  }
  const parts = [`epoch ${s.epoch}/${s.epochs}`, s.phase === "train" ? bar : s.phase];
  if (s.phase === "train" && s.etaSeconds !== undefined && Number.isFinite(s.etaSeconds))
    parts.push(`ETA ${formatDuration(s.etaSeconds)}`);
  if (s.imagesPerSecond !== undefined && Number.isFinite(s.imagesPerSecond))
    parts.push(`${Math.round(s.imagesPerSecond).toLocaleString("en-US")} img/s`);
  for (const [k, v] of Object.entries(s.values)) parts.push(`${k} ${num(v)}`);
  return parts.join(" · ");
}

export function progressHtml(s: ProgressState): string {
  const max = s.batches ?? 1;
  // the bar stays where training was: while training and after a Stop; full otherwise
  const value = s.phase === "train" || s.phase === "stopped" ? Math.min(s.batch, max) : max;
  const text = progressText(s);
  return `<div style="font-family:monospace"><progress max="${max}" value="${value}" style="width:16em;vertical-align:middle"></progress> ${escapeHtml(text)}</div>`;
}

export class ProgressBar {
  private state: ProgressState | undefined;
  private readonly output: LiveOutput;
  private readonly throttle: Throttle;
  renders = 0;
  constructor({
    sink,
    clock = realClock,
    intervalMs = 200,
  }: { sink?: DisplaySink; clock?: Clock; intervalMs?: number } = {}) {
    this.output = new LiveOutput(sink ?? undefined);
    this.throttle = new Throttle(intervalMs, () => this.draw(), clock);
  }
  get active(): boolean {
    return this.output.active;
  }
  get displayId(): string {
    return this.output.displayId;
  }
  /** Sets the state; drawn now or within 200 ms. */
  update(state: ProgressState): void {
    this.state = state;
    this.throttle.request();
  }
  /** Sets the state and draws it now (epoch ends, the end of training). */
  flush(state?: ProgressState): void {
    if (state) this.state = state;
    this.throttle.request();
    this.throttle.flushNow();
  }
  private draw(): void {
    if (this.state === undefined || !this.output.active) return;
    this.output.render({ "text/html": progressHtml(this.state), "text/plain": progressText(this.state) });
    this.renders++;
  }
}
