// Writes a whole string to a file descriptor synchronously. fs.writeSync on a pipe that Node has
// made non-blocking (fd 1 once process.stdout exists) writes only what fits in the pipe (64 KiB on
// Linux) or throws EAGAIN when it is full; a protocol line cut short would corrupt every message
// after it. So: keep writing the rest, and sleep a millisecond while the reader catches up.

import { writeSync } from "node:fs";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}
