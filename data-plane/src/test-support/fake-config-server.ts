import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigMessage, ConfigSnapshot } from '@tollgate/schema';
import { WebSocketServer, type WebSocket } from 'ws';

interface Subscription {
  socket: WebSocket;
  id: string;
}

/**
 * The control plane's `gatewayConfig` subscription, speaking the graphql-transport-ws protocol by hand
 * (connection_init → connection_ack, subscribe → next…, complete), so the data plane's real graphql-ws client is
 * tested on the wire without a GraphQL server.
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
 */
export class FakeConfigServer {
  /** What a new subscription gets as its first message. */
  snapshot: ConfigSnapshot;
  readonly connectionParams: unknown[] = [];
  readonly queries: string[] = [];
  /** While true, connections are cut right after they open (control plane "down"). */
  down = false;
  private subscriptions: Subscription[] = [];
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  /** `onHttp` serves plain HTTP on the same port, e.g. a FakeControlPlane's usage ingest, as the real one does. */
  constructor(snapshot: ConfigSnapshot, onHttp?: RequestListener) {
    this.snapshot = snapshot;
    this.http = createServer(onHttp);
    this.wss = new WebSocketServer({ server: this.http, path: '/graphql' });
    this.wss.on('connection', (socket) => {
      if (this.down) {
        socket.terminate();
        return;
      }
      socket.on('message', (raw) => this.onMessage(socket, JSON.parse(raw.toString()) as { type: string; id?: string; payload?: unknown }));
      socket.on('close', () => (this.subscriptions = this.subscriptions.filter((s) => s.socket !== socket)));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/graphql`;
  }

  get subscribeCount(): number {
    return this.queries.length;
  }

  get activeSubscriptions(): number {
    return this.subscriptions.length;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Sends a message (or anything, to test validation) to every active subscription. */
  publish(message: ConfigMessage | unknown): void {
    for (const s of this.subscriptions) this.next(s, message);
  }

  /** Cuts every connection, as a control-plane restart would. */
  dropConnections(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise((resolve) => this.wss.close(resolve));
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  private onMessage(socket: WebSocket, message: { type: string; id?: string; payload?: unknown }): void {
    switch (message.type) {
      case 'connection_init':
        this.connectionParams.push(message.payload);
        socket.send(JSON.stringify({ type: 'connection_ack' }));
        break;
      case 'ping':
        socket.send(JSON.stringify({ type: 'pong' }));
        break;
      case 'subscribe': {
        const sub = { socket, id: message.id! };
        this.queries.push((message.payload as { query: string }).query);
        this.subscriptions.push(sub);
        this.next(sub, { kind: 'snapshot', version: this.snapshot.version, snapshot: this.snapshot });
        break;
      }
      case 'complete':
        this.subscriptions = this.subscriptions.filter((s) => !(s.socket === socket && s.id === message.id));
        break;
    }
  }

  private next(sub: Subscription, message: unknown): void {
    const version = (message as { version?: unknown } | null)?.version ?? 0;
    sub.socket.send(JSON.stringify({ id: sub.id, type: 'next', payload: { data: { gatewayConfig: { version, message } } } }));
  }
}
