// Runs in the kernel's side thread: the heartbeat (echo) and control sockets, so the kernel looks
// alive and `interrupt_request` is handled even while a cell keeps the main thread busy. Other
// control requests (shutdown, kernel_info, ...) are passed to the main thread, which replies here.
// It also watches the JPY_PARENT_PID process (parent-watch.ts), here so a busy cell cannot delay it.

import { isUtf8 } from "node:buffer";
import * as zmq from "zeromq";
import type { SideThreadContext } from "../side-thread";
import { type ConnectionInfo, endpoint } from "./connection";
import { watchParent } from "./parent-watch";
import { SendQueue } from "./send-queue";
import { decode, encode, makeHeader, SignatureHistory, Signer } from "./wire";

export interface ControlOptions {
  connection: ConnectionInfo;
  session: string;
  /** The process that started the kernel (JPY_PARENT_PID): the kernel exits when it is gone. */
  parentPid: number | null;
}

/** zeromq.js copies frames up to this size; larger Buffers are sent without a copy. */
const ZERO_COPY_ABOVE = 128;

/**
 * The frames as this thread must hand them to ZeroMQ: text frames over 128 bytes (JSON, signatures)
 * as strings; `lent` tells whether a binary one over 128 bytes had to go as a Buffer.
 *
 * NOTE: zeromq.js sends a Buffer over 128 bytes without copying it; when libzmq's I/O thread is
 * done with it (possibly after the socket closed) it hands it back to the zeromq instance of the
 * thread that sent it. This thread's instance is freed when the thread ends, which at shutdown
 * came before libzmq had written the shutdown_reply: the hand-back then wrote freed memory and
 * glibc aborted the kernel ("corrupted double-linked list", about one shutdown in 10 to 30).
 * Strings and small Buffers are copied into memory libzmq owns. Jupyter's frames are JSON, hex
 * signatures and short routing ids, so `lent` stays false with every known client.
 */
export function framesOwnedByZmq(frames: Buffer[]): { frames: (Buffer | string)[]; lent: boolean } {
  let lent = false;
  const out = frames.map((f) => {
    if (f.length <= ZERO_COPY_ABOVE) return f;
    if (isUtf8(f)) return f.toString("utf8");
    lent = true;
    return f;
  });
  return { frames: out, lent };
}

/** How long a closed socket may keep trying to deliver its last messages. */
const LINGER_MS = 1000;

/** When the main thread has not shut the kernel down this long after its parent died, kill it. */
const PARENT_GONE_KILL_MS = 5000;

export async function startPlugin(ctx: SideThreadContext, options: ControlOptions): Promise<void> {
  const { connection, session, parentPid } = options;
  const signer = new Signer(connection.key, connection.signature_scheme);
  const seen = new SignatureHistory();
  const hb = new zmq.Reply({ linger: LINGER_MS });
  const control = new zmq.Router({ linger: LINGER_MS });
  await hb.bind(endpoint(connection, "hb"));
  await control.bind(endpoint(connection, "control"));
  // Whether a Buffer was lent to libzmq (see framesOwnedByZmq): then the thread outlives the linger.
  let lent = false;
  const owned = (frames: Buffer[]) => {
    const r = framesOwnedByZmq(frames);
    lent ||= r.lent;
    return r.frames;
  };
  const controlOut = new SendQueue({ send: (frames) => control.send(owned(frames)) }, () => {});

  ctx.onMain((m) => {
    if (m?.type === "jupyter:control-reply") controlOut.send(m.frames.map((f: Uint8Array) => Buffer.from(f)));
  });
  ctx.onClose(async () => {
    await controlOut.flush();
    hb.close();
    control.close();
    if (lent) await new Promise((r) => setTimeout(r, LINGER_MS + 200));
  });

  (async () => {
    for await (const frames of hb) await hb.send(owned(frames));
  })().catch(() => {});

  if (parentPid !== null) {
    watchParent(parentPid, () => {
      // The main thread shuts down cleanly; a running cell is interrupted so it can.
      ctx.toMain({ type: "jupyter:parent-gone", pid: parentPid });
      void ctx.interrupt();
      setTimeout(() => process.kill(process.pid, "SIGKILL"), PARENT_GONE_KILL_MS).unref();
    });
  }

  (async () => {
    for await (const frames of control) {
      let msg: ReturnType<typeof decode>;
      try {
        msg = decode(frames, signer, seen);
      } catch (err) {
        // unsigned, malformed or replayed: ignore, as the protocol requires (and say so)
        ctx.toMain({ type: "jupyter:log", text: `control: ${(err as Error).message}` });
        continue;
      }
      if (msg.header.msg_type === "interrupt_request") {
        const result = await ctx.interrupt();
        const header = makeHeader("interrupt_reply", session);
        controlOut.send(
          encode(signer, msg.identities, header, msg.header, { status: "ok" }, { interrupt: result }),
        );
        continue;
      }
      ctx.toMain({ type: "jupyter:control", frames });
    }
  })().catch(() => {});
}
