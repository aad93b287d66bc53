import WebSocket from 'ws';

/**
 * A minimal Chrome DevTools Protocol client for a Node process started with `--inspect=host:port`: the config
 * benchmark uses it to force a full garbage collection in the data plane and read its heap, so the data plane
 * needs no debug endpoint (and none is added).
 */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = msg.id === undefined ? undefined : this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id!);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(url, { maxPayload: 1024 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Full (mark-compact) collections until the heap stops shrinking, then the heap in use, in bytes. */
  async collectGarbage(): Promise<number> {
    let used = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      await this.call('HeapProfiler.collectGarbage');
      const { usedSize } = await this.call<{ usedSize: number }>('Runtime.getHeapUsage');
      if (usedSize >= used * 0.999) return usedSize;
      used = usedSize;
    }
    return used;
  }

  close(): void {
    this.socket.close();
  }
}
