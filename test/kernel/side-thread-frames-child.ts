// Child process for kernel-exit.test.ts: a worker thread sends large frames to a peer that reads
// only after the worker has ended, so libzmq releases them after the worker's zeromq instance is
// gone (what happened to the side thread's shutdown_reply). argv[2]: "owned" sends them as
// framesOwnedByZmq returns them; "buffers" as plain Buffers (crashes the process under glibc's
// malloc checks; kept to show the test can fail). Prints "received N" and exits 0 when all arrived.

import { isMainThread, Worker, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { framesOwnedByZmq } from "../../kernel/server/jupyter/control-plugin";

const FRAMES = 300;
const SIZE = 64 * 1024;
const text = (i: number) => `{"frame": ${i}, "pad": "${"x".repeat(SIZE)}"}`;

async function main(): Promise<void> {
  const pull = new zmq.Pull({ receiveHighWaterMark: 1 });
  await pull.bind("tcp://127.0.0.1:*");
  const worker = new Worker(__filename, {
    workerData: { mode: process.argv[2], endpoint: pull.lastEndpoint },
  });
  await new Promise((resolve) => worker.on("exit", resolve));
  for (let i = 0; i < FRAMES; i++) {
    const [frame] = await pull.receive();
    if (frame.toString() !== text(i)) throw new Error(`frame ${i} arrived changed`);
  }
  process.stdout.write(`received ${FRAMES}\n`);
  process.exit(0);
}

async function sendAndEnd(): Promise<void> {
  const push = new zmq.Push({ sendHighWaterMark: FRAMES });
  push.connect(workerData.endpoint);
  for (let i = 0; i < FRAMES; i++) {
    const frames = [Buffer.from(text(i))];
    await push.send(workerData.mode === "owned" ? framesOwnedByZmq(frames).frames : frames);
  }
  push.close(); // the frames are still queued; the thread ends now
}

if (isMainThread) main();
else sendAndEnd();
