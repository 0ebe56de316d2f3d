// The Jupyter connection file: where the kernel binds its five sockets and the key it signs with
// (https://jupyter-client.readthedocs.io/en/stable/kernels.html#connection-files).

import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

export function readConnectionFile(path: string): ConnectionInfo {
  let info: ConnectionInfo;
  try {
    info = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`cannot read the Jupyter connection file ${path}: ${(err as Error).message}`);
  }
  for (const field of ["ip", "shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const) {
    if (info[field] === undefined) throw new Error(`the Jupyter connection file ${path} has no "${field}"`);
  }
  info.transport ??= "tcp";
  info.key ??= "";
  info.signature_scheme ??= "hmac-sha256";
  return info;
}

/** The ZeroMQ endpoint of one channel, e.g. tcp://127.0.0.1:53794. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
