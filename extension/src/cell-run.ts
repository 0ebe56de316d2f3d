// Runs one notebook cell through the kernel client and reports it to a sink — the VS Code glue's
// NotebookCellExecution in the extension, a recording fake in the tests. The sink is always
// started and always ended, on success, on error, on interrupt and when the kernel dies.

import type { KernelClient } from "./kernel-client";
import { bundleToItems, type CellError, kernelError, type OutputItemData } from "./outputs";

export interface CellSink {
  start(): void;
  stream(name: "stdout" | "stderr", text: string): void;
  /** A new output; `displayId` when the kernel may update it later. */
  display(items: OutputItemData[], displayId?: string): void;
  /** Replace the items of every output shown with `displayId`. */
  update(displayId: string, items: OutputItemData[]): void;
  error(error: CellError): void;
  end(success: boolean): void;
  /** Asks the person for a line of text (a cell's `await input(prompt)`); undefined when cancelled. */
  input?(prompt: string, password: boolean): Promise<string | undefined>;
}

/** Returns whether the cell succeeded. */
export async function runCell(client: KernelClient, code: string, sink: CellSink): Promise<boolean> {
  sink.start();
  let success = false;
  try {
    const reply = await client.execute(code, {
      onStream: (m) => sink.stream(m.name, m.text),
      onDisplay: (m) => sink.display(bundleToItems(m.data), m.displayId),
      onUpdateDisplay: (m) => sink.update(m.displayId, bundleToItems(m.data)),
      onInputRequest: (m) => sink.input?.(m.prompt, m.password),
    });
    if (reply.status === "ok") {
      if (reply.result && Object.keys(reply.result).length > 0) sink.display(bundleToItems(reply.result));
      success = true;
    } else if (reply.error) sink.error(kernelError(reply.error));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    sink.error({ name: e.name, message: e.message });
  } finally {
    sink.end(success);
  }
  return success;
}
