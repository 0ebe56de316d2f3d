// Runs in the kernel's side thread: the heartbeat (echo) and control sockets, so the kernel looks
// alive and `interrupt_request` is handled even while a cell keeps the main thread busy. Other
// control requests (shutdown, kernel_info, ...) are passed to the main thread, which replies here.

import * as zmq from "zeromq";
import type { SideThreadContext } from "../side-thread";
import { type ConnectionInfo, endpoint } from "./connection";
import { SendQueue } from "./send-queue";
import { decode, encode, makeHeader, Signer } from "./wire";

export interface ControlOptions {
  connection: ConnectionInfo;
  session: string;
}

export async function startPlugin(ctx: SideThreadContext, options: ControlOptions): Promise<void> {
  const { connection, session } = options;
  const signer = new Signer(connection.key, connection.signature_scheme);
  const hb = new zmq.Reply();
  const control = new zmq.Router();
  await hb.bind(endpoint(connection, "hb"));
  await control.bind(endpoint(connection, "control"));
  const controlOut = new SendQueue(control, () => {});

  ctx.onMain((m) => {
    if (m?.type === "jupyter:control-reply") controlOut.send(m.frames.map((f: Uint8Array) => Buffer.from(f)));
  });
  ctx.onClose(async () => {
    await controlOut.flush();
    hb.close();
    control.close();
  });

  (async () => {
    for await (const frames of hb) await hb.send(frames);
  })().catch(() => {});

  (async () => {
    for await (const frames of control) {
      let msg: ReturnType<typeof decode>;
      try {
        msg = decode(frames, signer);
      } catch {
        continue; // unsigned or malformed: ignore, as the protocol requires
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
