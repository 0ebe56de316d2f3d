// Runs one notebook cell through the kernel client and reports it to a sink — the VS Code glue's
// NotebookCellExecution in the extension, a recording fake in the tests. The sink is always
// started and always ended, on success, on error, on interrupt and when the kernel dies.

import type { KernelClient } from "./kernel-client";
import { bundleToItems, type CellError, kernelError, type OutputItemData } from "./outputs";

/**
 * How a cell ended: "aborted" when an interrupt stopped it before it started (it did not run),
 * "died" when the kernel process went away (or could not be reached).
 */
export type CellOutcome = "ok" | "error" | "aborted" | "died";

export interface CellSink {
  start(): void;
  stream(name: "stdout" | "stderr", text: string): void;
  /** A new output; `displayId` when the kernel may update it later. */
  display(items: OutputItemData[], displayId?: string): void;
  /** Replace the items of every output shown with `displayId`. */
  update(displayId: string, items: OutputItemData[]): void;
  error(error: CellError): void;
  /** `executionCount`: the kernel's number for the cell; none when it did not run. */
  end(outcome: CellOutcome, executionCount?: number): void | Promise<void>;
  /** Asks the person for a line of text (a cell's `await input(prompt)`); undefined when cancelled. */
  input?(prompt: string, password: boolean): Promise<string | undefined>;
}

export async function runCell(client: KernelClient, code: string, sink: CellSink): Promise<CellOutcome> {
  sink.start();
  let outcome: CellOutcome = "died";
  let count: number | undefined;
  try {
    const reply = await client.execute(code, {
      onStream: (m) => sink.stream(m.name, m.text),
      onDisplay: (m) => sink.display(bundleToItems(m.data), m.displayId),
      onUpdateDisplay: (m) => sink.update(m.displayId, bundleToItems(m.data)),
      onInputRequest: (m) => sink.input?.(m.prompt, m.password),
    });
    if (reply.status === "aborted") outcome = "aborted";
    else {
      count = reply.executionCount;
      if (reply.status === "ok") {
        if (reply.result && Object.keys(reply.result).length > 0) sink.display(bundleToItems(reply.result));
        outcome = "ok";
      } else {
        outcome = "error";
        if (reply.error) sink.error(kernelError(reply.error));
      }
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    sink.error({ name: e.name, message: e.message });
  } finally {
    await sink.end(outcome, count);
  }
  return outcome;
}
