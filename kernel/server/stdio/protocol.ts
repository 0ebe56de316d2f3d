// The stdio protocol, version 1: how the VS Code extension talks to the kernel without ZeroMQ.
// One JSON object per line on the kernel's stdin (requests) and stdout (events and replies);
// stderr carries the kernel's own diagnostics. Every request has a client-chosen `id` that all
// messages answering it repeat. Requests are handled in order, except `interrupt`, which is
// handled at once even while a cell runs. Cursor positions are UTF-16 offsets (JavaScript's).
//
//   -> {"id":1,"type":"hello"}
//   <- {"id":1,"type":"hello_reply","protocol":"receptive-stdio","version":1,"implementation":"receptive",...}
//   -> {"id":2,"type":"execute","code":"console.log('hi'); 1 + 1"}
//   <- {"id":2,"type":"stream","name":"stdout","text":"hi\n"}
//   <- {"id":2,"type":"execute_reply","status":"ok","executionCount":1,"result":{"text/plain":"2"}}
//
// A cell's `await input("name? ")` asks the client, which answers with `input_reply` (handled at
// once, like `interrupt`, since the cell is still running):
//
//   -> {"id":3,"type":"execute","code":"const name = await input('name? '); name"}
//   <- {"id":3,"type":"input_request","prompt":"name? ","password":false}
//   -> {"id":4,"type":"input_reply","value":"Ada"}
//   <- {"id":3,"type":"execute_reply","status":"ok","executionCount":2,"result":{"text/plain":"'Ada'"}}
//
// Version 1.1 (hello_reply's `minorVersion`; additions only, so a 1.0 client still works) adds
// `input_request`/`input_reply` and `featureMaps`, the summary renderer's "show layer L" request:
//
//   -> {"id":5,"type":"featureMaps","modelId":"<the summary payload's modelId>","layer":"0"}
//   <- {"id":5,"type":"featureMaps_reply","layer":"0","grid":{"version":1,"kind":"featureMaps",...}}
//
// Version 1.2: `execute` takes `silent` (no execution count: the extension's own queries), and
// `interrupt` also cancels the execute requests sent before it that have not started, so a cell the
// person stopped never runs later:
//
//   -> {"id":6,"type":"execute","code":"while (true) {}"}
//   -> {"id":7,"type":"execute","code":"a1"}
//   -> {"id":8,"type":"interrupt"}
//   <- {"id":6,"type":"execute_reply","status":"error","executionCount":3,"error":{"ename":"Interrupted",...}}
//   <- {"id":7,"type":"execute_reply","status":"aborted","executionCount":3,"error":{"ename":"Interrupted","evalue":"stopped before it started",...}}
//   <- {"id":8,"type":"interrupt_reply","result":"terminated"}

import type { ImageGridPayload } from "../../display/payloads-viz";
import type { MimeBundle } from "../../display/schema";

export const STDIO_PROTOCOL = "receptive-stdio";
export const STDIO_PROTOCOL_VERSION = 1;
export const STDIO_PROTOCOL_MINOR_VERSION = 2;

export type RequestId = string | number;

export type StdioRequest =
  | { id: RequestId; type: "hello" }
  /**
   * Runs a cell. `silent` (1.2): a front end's own query; it takes no execution count and its
   * tracebacks name it `query`.
   */
  | { id: RequestId; type: "execute"; code: string; silent?: boolean }
  | { id: RequestId; type: "complete"; code: string; cursor: number }
  | { id: RequestId; type: "inspect"; code: string; cursor: number }
  | { id: RequestId; type: "is_complete"; code: string }
  /**
   * Stops the running cell (see execute/interrupt.ts) and (1.2) cancels every execute request sent
   * before it that has not started: those are answered with status "aborted" (and an `Interrupted`
   * error, "stopped before it started") and never run. Answered once none of them can run any more, even while a
   * cell runs.
   */
  | { id: RequestId; type: "interrupt" }
  /** Forgets all variables and declarations, keeping the process. */
  | { id: RequestId; type: "reset" }
  | { id: RequestId; type: "shutdown" }
  /**
   * Answers the open `input_request` with what the person typed; no reply on success, an
   * `error_reply` when no cell is waiting for input. Handled at once, even while a cell runs.
   */
  | { id: RequestId; type: "input_reply"; value: string }
  /**
   * (1.1) `layer`'s feature maps on the model's last input (kernel/viz/feature-map-requests.ts);
   * without `modelId`, the model shown last answers. Queued behind a running cell, like execute.
   */
  | { id: RequestId; type: "featureMaps"; layer: string; modelId?: string; sample?: boolean };

export type StdioMessage =
  | {
      id: RequestId;
      type: "hello_reply";
      protocol: typeof STDIO_PROTOCOL;
      version: typeof STDIO_PROTOCOL_VERSION;
      /** 1 since input_request/input_reply and featureMaps, 2 since silent executes and interrupts that cancel queued cells; absent means 0. */
      minorVersion: typeof STDIO_PROTOCOL_MINOR_VERSION;
      implementation: "receptive";
      implementationVersion: string;
      language: "typescript";
    }
  /** Output of the cell started by request `id`. */
  | { id: RequestId; type: "stream"; name: "stdout" | "stderr"; text: string }
  | { id: RequestId; type: "display"; displayId: string; data: MimeBundle; metadata: Record<string, unknown> }
  /** The cell started by request `id` waits for a line of text: answer with `input_reply`. */
  | { id: RequestId; type: "input_request"; prompt: string; password: boolean }
  /** Replace every output shown with `displayId` (it may belong to an earlier cell). */
  | {
      id: RequestId;
      type: "update_display";
      displayId: string;
      data: MimeBundle;
      metadata: Record<string, unknown>;
    }
  | {
      id: RequestId;
      type: "execute_reply";
      /** "aborted" (1.2): an interrupt cancelled the cell before it started; it did not run. */
      status: "ok" | "error" | "aborted";
      /** The cell's number; for an aborted cell, the last number given. */
      executionCount: number;
      /** The last expression's value, when the cell ends in one. */
      result?: MimeBundle;
      error?: { ename: string; evalue: string; traceback: string[] };
    }
  | { id: RequestId; type: "complete_reply"; matches: string[]; cursorStart: number; cursorEnd: number }
  | { id: RequestId; type: "inspect_reply"; found: boolean; data: MimeBundle }
  | { id: RequestId; type: "is_complete_reply"; status: "complete" | "incomplete"; indent: string }
  /** `result`: "stopped" (the cell ended), "terminated" (synchronous code was cut), "idle" (nothing ran). */
  | { id: RequestId; type: "interrupt_reply"; result: string }
  | { id: RequestId; type: "reset_reply" }
  /** Either `grid` (an image-grid payload: one tile per channel) or `error` (why not, and the fix). */
  | {
      id: RequestId;
      type: "featureMaps_reply";
      layer: string;
      grid?: ImageGridPayload;
      error?: string;
      /** (1.2) with an error: a request with `sample: true` would show a sample image. */
      canSample?: boolean;
      /** (1.2) with a grid: "sample" when it shows a sample image. */
      input?: "last" | "sample";
    }
  | { id: RequestId; type: "shutdown_reply" }
  /** A request that could not be understood; `id` is null when the line was not JSON. */
  | { id: RequestId | null; type: "error_reply"; message: string };
