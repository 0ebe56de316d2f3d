// Jupyter comms: a front end opens a comm to a named target (`comm_open`), then both sides send
// `comm_msg`s on it until one sends `comm_close`
// (https://jupyter-client.readthedocs.io/en/stable/messaging.html#custom-messages). Targets register
// here by name; the built-in `receptive.featureMaps` answers a summary renderer's "show me layer L".
// Transport-free: the Jupyter kernel passes messages in and gives each comm a way to send.

/** One open comm, as its target sees it. */
export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  /** Sends a `comm_msg` to the front end. */
  send(data: unknown): void;
}

/** What a target does with a comm it accepted. */
export interface CommHandler {
  onMessage?(data: unknown, comm: Comm): void | Promise<void>;
  onClose?(data: unknown, comm: Comm): void;
}

/** Called on `comm_open` for the target: returns the comm's handler (it may answer at once). */
export type CommTarget = (comm: Comm, openData: unknown) => CommHandler | Promise<CommHandler>;

export const FEATURE_MAPS_TARGET = "receptive.featureMaps";

export class CommRegistry {
  private readonly targets = new Map<string, CommTarget>();
  private readonly open = new Map<string, { comm: Comm; handler: CommHandler }>();

  registerTarget(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  /**
   * Opens `commId` on `targetName`; false when there is no such target (the caller then closes the
   * comm on the front end, as ipykernel does).
   */
  async openComm(
    commId: string,
    targetName: string,
    data: unknown,
    send: (data: unknown) => void,
  ): Promise<boolean> {
    const target = this.targets.get(targetName);
    if (target === undefined) return false;
    const comm: Comm = { commId, targetName, send };
    this.open.set(commId, { comm, handler: {} });
    const handler = await target(comm, data);
    const entry = this.open.get(commId);
    if (entry !== undefined) entry.handler = handler;
    return true;
  }

  /** Passes a `comm_msg` to its comm; false when the comm is not open. */
  async message(commId: string, data: unknown): Promise<boolean> {
    const entry = this.open.get(commId);
    if (entry === undefined) return false;
    await entry.handler.onMessage?.(data, entry.comm);
    return true;
  }

  close(commId: string, data: unknown): void {
    const entry = this.open.get(commId);
    this.open.delete(commId);
    entry?.handler.onClose?.(data, entry.comm);
  }

  /** `comm_info_reply`'s `comms`: open comms, of one target when `targetName` is given. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const [id, { comm }] of this.open) {
      if (targetName === undefined || comm.targetName === targetName)
        comms[id] = { target_name: comm.targetName };
    }
    return comms;
  }

  /** Forgets every open comm (a restart). */
  clear(): void {
    this.open.clear();
  }
}
