// The NotebookController "Receptive (TypeScript)" for .ipynb notebooks: runs cells one after another
// through the notebook's kernel (cell-run.ts), numbers them with the kernel's execution count,
// streams their output, and updates displays in place (replaceOutputItems), also in earlier cells.
// Thin VS Code glue.
//
// NOTE: Stop (the interrupt handler) drops the cells still queued here and interrupts the kernel,
// which also cancels the cells it was sent and has not started (protocol 1.2); those end with no
// mark and no number. A cell queued or running here never gets a stand-in execution for a late
// display update (it would take over VS Code's pending state, and the cell would seem to start twice).

import * as vscode from "vscode";
import { type CellOutcome, type CellSink, runCell } from "./cell-run";
import type { KernelClient, KernelMessage, UpdateDisplayMessage } from "./kernel-client";
import type { KernelManager } from "./kernels";
import { bundleToItems, type OutputItemData } from "./outputs";

export const CONTROLLER_ID = "receptive";
export const NOTEBOOK_TYPE = "jupyter-notebook";

const toItems = (items: OutputItemData[]) =>
  items.map((i) => new vscode.NotebookCellOutputItem(i.data, i.mime));

interface Shown {
  cell: vscode.NotebookCell;
  output: vscode.NotebookCellOutput;
}

export class ReceptiveController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly generation = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly displays = new Map<string, Shown[]>();
  private readonly running = new Map<vscode.NotebookCell, vscode.NotebookCellExecution>();
  /** Cells handed to executeAll that have not ended yet (queued or running). */
  private readonly pending = new Set<vscode.NotebookCell>();
  /**
   * Live updates of a running cell's output: one replaceOutputItems in flight per output, and only
   * the newest of those that came meanwhile is sent next. (fit redraws its bar and curves several
   * times a second; each went to the renderer in turn, and a Stop's end of the cell waited behind
   * them for seconds.)
   */
  private readonly live = new Map<
    vscode.NotebookCellOutput,
    { cell: vscode.NotebookCell; done: Promise<void>; newest?: vscode.NotebookCellOutputItem[] }
  >();
  /** Stand-in executions carrying late display updates, one at a time per cell. */
  private readonly updating = new Map<vscode.NotebookCell, Promise<void>>();
  private readonly watched = new WeakSet<KernelClient>();
  private lastRun: vscode.NotebookDocument | undefined;

  constructor(private readonly kernels: KernelManager) {
    this.controller = vscode.notebooks.createNotebookController(
      CONTROLLER_ID,
      NOTEBOOK_TYPE,
      "Receptive (TypeScript)",
    );
    this.controller.supportedLanguages = ["typescript", "javascript"];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "CNNs in TypeScript: the Receptive tensor engine";
    this.controller.executeHandler = (cells, notebook) => this.executeAll(cells, notebook);
    this.controller.interruptHandler = async (notebook) => {
      this.cancelQueued(notebook);
      await this.kernels.peek(notebook.uri.toString())?.interrupt();
    };
    // Notebooks saved with the Receptive kernelspec (the course) get this controller preselected.
    for (const nb of vscode.workspace.notebookDocuments) this.preferFor(nb);
    this.opened = vscode.workspace.onDidOpenNotebookDocument((nb) => this.preferFor(nb));
  }

  private readonly opened: vscode.Disposable;

  private preferFor(nb: vscode.NotebookDocument): void {
    if (nb.notebookType !== NOTEBOOK_TYPE) return;
    // The ipynb serializer keeps the file's metadata under `metadata` (older VS Code) or at the top.
    const meta = nb.metadata as {
      kernelspec?: { name?: string };
      metadata?: { kernelspec?: { name?: string } };
    };
    const kernelspec = meta?.metadata?.kernelspec ?? meta?.kernelspec;
    if (kernelspec?.name === "receptive") {
      this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    }
  }

  client(notebook: vscode.NotebookDocument): KernelClient {
    const c = this.kernels.get(notebook.uri.toString());
    if (!this.watched.has(c)) {
      this.watched.add(c);
      // Updates can come after their cell ended (timers) or target an earlier cell's output.
      c.onMessage((m) => this.onKernelMessage(m));
    }
    return c;
  }

  /** The notebook that last ran cells here (the activation explorer asks its kernel). */
  lastUsed(): vscode.NotebookDocument | undefined {
    return this.lastRun?.isClosed ? undefined : this.lastRun;
  }

  /** Cells queued but not started yet are not run (Stop and Restart, like Jupyter's interrupt). */
  cancelQueued(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
  }

  /** Requests run one after another per notebook; a Stop or Restart drops the cells still waiting. */
  private executeAll(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const generation = this.generation.get(key) ?? 0;
    const code = cells.filter((c) => c.kind === vscode.NotebookCellKind.Code);
    this.lastRun = notebook;
    for (const cell of code) this.pending.add(cell);
    const run = async () => {
      const client = this.client(notebook);
      let stopped = false;
      for (const cell of code) {
        try {
          if (stopped || (this.generation.get(key) ?? 0) !== generation) {
            this.endUnrun(cell);
            continue;
          }
          const outcome = await runCell(client, cell.document.getText(), this.sinkFor(cell));
          if (outcome === "aborted" || (outcome === "died" && client.status === "dead")) stopped = true;
        } finally {
          this.pending.delete(cell);
        }
      }
    };
    const queued = (this.queues.get(key) ?? Promise.resolve()).then(run);
    this.queues.set(
      key,
      queued.catch(() => {}),
    );
    return queued;
  }

  /** A cell that never ran: its pending state ends without a mark. */
  private endUnrun(cell: vscode.NotebookCell): void {
    try {
      const skipped = this.controller.createNotebookCellExecution(cell);
      skipped.start();
      skipped.end(undefined);
    } catch {
      // the cell was deleted, or VS Code already ended its pending state
    }
  }

  private sinkFor(cell: vscode.NotebookCell): CellSink {
    const exec = this.controller.createNotebookCellExecution(cell);
    let last: { name: string; output: vscode.NotebookCellOutput } | undefined;
    const append = (output: vscode.NotebookCellOutput) => {
      last = undefined;
      void exec.appendOutput(output);
    };
    return {
      start: () => {
        this.running.set(cell, exec);
        exec.start(Date.now());
        void exec.clearOutput();
        this.forgetDisplaysOf(cell);
      },
      stream: (name, text) => {
        const item =
          name === "stdout"
            ? vscode.NotebookCellOutputItem.stdout(text)
            : vscode.NotebookCellOutputItem.stderr(text);
        if (last?.name === name) void exec.appendOutputItems(item, last.output);
        else {
          const output = new vscode.NotebookCellOutput([item]);
          append(output);
          last = { name, output };
        }
      },
      display: (items, displayId) => {
        const output = new vscode.NotebookCellOutput(toItems(items), displayId ? { displayId } : undefined);
        append(output);
        if (displayId)
          this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), { cell, output }]);
      },
      update: () => {}, // every update_display goes through onKernelMessage
      error: (e) => {
        const err = new Error(e.message);
        err.name = e.name;
        err.stack = e.stack ?? "";
        append(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(err)]));
      },
      input: async (prompt, password) =>
        vscode.window.showInputBox({
          prompt: prompt || "Input for the running cell",
          password,
          ignoreFocusOut: true,
        }),
      end: async (outcome: CellOutcome, executionCount?: number) => {
        const ended = Date.now();
        await this.flushLive(cell); // the newest display of each output is shown before the end
        this.running.delete(cell);
        if (executionCount !== undefined) exec.executionOrder = executionCount;
        exec.end(outcome === "aborted" ? undefined : outcome === "ok", ended);
      },
    };
  }

  private forgetDisplaysOf(cell: vscode.NotebookCell): void {
    for (const [id, shown] of this.displays) {
      const kept = shown.filter((s) => s.cell !== cell);
      if (kept.length) this.displays.set(id, kept);
      else this.displays.delete(id);
    }
  }

  private onKernelMessage(m: KernelMessage): void {
    if (m.type !== "update_display") return;
    const u = m as UpdateDisplayMessage;
    for (const { cell, output } of this.displays.get(u.displayId) ?? []) {
      const items = toItems(bundleToItems(u.data));
      const exec = this.running.get(cell);
      if (exec) {
        this.replaceLive(cell, exec, output, items);
        continue;
      }
      // Queued to run again: its outputs are about to be cleared, and VS Code shows it pending.
      if (this.pending.has(cell)) continue;
      // The cell is not running: a short execution of its own carries the update, keeping its summary.
      const previous = this.updating.get(cell) ?? Promise.resolve();
      const next = previous.then(() => this.updateIdleCell(cell, output, items));
      this.updating.set(cell, next);
      void next.then(() => {
        if (this.updating.get(cell) === next) this.updating.delete(cell);
      });
    }
  }

  private replaceLive(
    cell: vscode.NotebookCell,
    exec: vscode.NotebookCellExecution,
    output: vscode.NotebookCellOutput,
    items: vscode.NotebookCellOutputItem[],
  ): void {
    const busy = this.live.get(output);
    if (busy) {
      busy.newest = items; // the one waiting is superseded
      return;
    }
    const state: {
      cell: vscode.NotebookCell;
      done: Promise<void>;
      newest?: vscode.NotebookCellOutputItem[];
    } = {
      cell,
      done: Promise.resolve(),
    };
    const send = async (first: vscode.NotebookCellOutputItem[]) => {
      let next: vscode.NotebookCellOutputItem[] | undefined = first;
      while (next) {
        await Promise.resolve(exec.replaceOutputItems(next, output)).catch(() => {}); // output cleared meanwhile
        next = state.newest;
        state.newest = undefined;
      }
      this.live.delete(output);
    };
    this.live.set(output, state);
    state.done = send(items);
  }

  /** Waits until the cell's live updates have all reached VS Code (before its execution ends). */
  private async flushLive(cell: vscode.NotebookCell): Promise<void> {
    for (;;) {
      const pending = [...this.live.values()].filter((s) => s.cell === cell);
      if (pending.length === 0) return;
      await Promise.all(pending.map((s) => s.done));
    }
  }

  private async updateIdleCell(
    cell: vscode.NotebookCell,
    output: vscode.NotebookCellOutput,
    items: vscode.NotebookCellOutputItem[],
  ): Promise<void> {
    if (this.pending.has(cell) || cell.index < 0) return;
    const summary = cell.executionSummary;
    let temp: vscode.NotebookCellExecution;
    try {
      temp = this.controller.createNotebookCellExecution(cell);
    } catch {
      return; // another execution holds the cell
    }
    temp.executionOrder = summary?.executionOrder;
    temp.start(summary?.timing?.startTime);
    try {
      await temp.replaceOutputItems(items, output);
    } catch {
      // the output was cleared meanwhile
    } finally {
      temp.end(summary?.success, summary?.timing?.endTime);
    }
  }

  dispose(): void {
    this.opened.dispose();
    this.controller.dispose();
  }
}
