// One kernel process per open notebook, created on first use and shut down with the notebook.
// Free of VS Code: notebooks are named by their URI strings.

import { KernelClient, type KernelLaunch } from "./kernel-client";

export class KernelManager {
  private readonly clients = new Map<string, KernelClient>();
  private readonly createdListeners = new Set<(key: string, client: KernelClient) => void>();

  constructor(
    private readonly launchFor: (key: string) => KernelLaunch,
    private readonly log: (line: string) => void,
  ) {}

  /** The notebook's client (not started yet when new). */
  get(key: string): KernelClient {
    let c = this.clients.get(key);
    if (!c) {
      const name = key.split("/").pop() ?? key;
      // The launch is worked out at every start: a restart picks up changed settings.
      c = new KernelClient(
        () => this.launchFor(key),
        (line) => this.log(`${name}: ${line}`),
      );
      this.clients.set(key, c);
      for (const l of this.createdListeners) l(key, c);
    }
    return c;
  }

  /** The notebook's client if one exists. */
  peek(key: string): KernelClient | undefined {
    return this.clients.get(key);
  }

  onCreated(listener: (key: string, client: KernelClient) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  async close(key: string): Promise<void> {
    const c = this.clients.get(key);
    this.clients.delete(key);
    await c?.shutdown();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clients.keys()].map((k) => this.close(k)));
  }
}
