import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface SnapshotReceipt {
  /** From sending `subscribe` to the first message (the control plane's snapshot build, then the first send). */
  firstMessageMs: number;
  /** From sending `subscribe` to the message that completes the snapshot. */
  completeMs: number;
  messages: number;
  bytes: number;
  keys: number;
  version: number;
}

interface SnapshotLike {
  version: number;
  keys: unknown[];
}

/**
 * Subscribes to `gatewayConfig` the way a data plane does (graphql-transport-ws over a raw socket, so every byte
 * and message is counted) and resolves once a full snapshot has arrived: one `snapshot` message, or the parts of one
 * up to the `last`. The socket accepts messages of any size: the benchmark measures sizes, it does not enforce them.
 */
export async function receiveSnapshot(wsUrl: string, connectionParams: Record<string, unknown>, timeoutMs = 600_000): Promise<SnapshotReceipt> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { maxPayload: 2 ** 31 - 1 });
  try {
    return await new Promise<SnapshotReceipt>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no complete snapshot within ${timeoutMs} ms`)), timeoutMs);
      let start = 0;
      let first = 0;
      let messages = 0;
      let bytes = 0;
      let keys = 0;
      socket.on('error', reject);
      socket.on('close', (code, reason) => reject(new Error(`socket closed ${code} ${String(reason)}`)));
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
      socket.on('message', (data: Buffer) => {
        const msg = JSON.parse(data.toString('utf8')) as { type: string; payload?: { data?: { gatewayConfig?: { message: Record<string, unknown> } }; errors?: unknown } };
        if (msg.type === 'connection_ack') {
          start = performance.now();
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { gatewayConfig { version message } }' } }));
          return;
        }
        if (msg.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        if (msg.type === 'error' || msg.payload?.errors) return reject(new Error(`subscription error: ${JSON.stringify(msg.payload)}`));
        if (msg.type !== 'next') return;
        const now = performance.now();
        if (messages === 0) first = now;
        messages += 1;
        bytes += data.length;
        const message = msg.payload?.data?.gatewayConfig?.message ?? {};
        const snapshot = message.snapshot as SnapshotLike | undefined;
        keys += snapshot?.keys.length ?? 0;
        const complete = message.kind === 'snapshot' || (message.kind === 'snapshotPart' && message.last === true);
        if (!complete) return;
        clearTimeout(timer);
        resolve({ firstMessageMs: first - start, completeMs: now - start, messages, bytes, keys, version: Number(message.version) });
      });
    });
  } finally {
    socket.removeAllListeners('close');
    socket.close();
  }
}
