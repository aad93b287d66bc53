import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageEvent } from '@tollgate/schema';

export interface IngestCall {
  authorization: string | undefined;
  query: string;
  events: UsageEvent[];
}

/**
 * A stand-in for the control plane's `POST /graphql` usage ingest: records every call, validates events with the
 * real zod schema, and acknowledges them, unless told to fail.
 */
export class FakeControlPlane {
  readonly calls: IngestCall[] = [];
  /** Every event acknowledged so far, by request id. */
  readonly acknowledged = new Map<string, UsageEvent>();
  /** Answer the next N calls with HTTP 503. */
  failNext = 0;
  /** Leave these request ids out of the answer (neither acknowledged nor rejected). */
  readonly ignore = new Set<string>();
  /** Reject these request ids. */
  readonly reject = new Set<string>();
  private server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/graphql`;
  }

  /** Every event received, acknowledged or not, in order. */
  get received(): UsageEvent[] {
    return this.calls.flatMap((c) => c.events);
  }

  async start(): Promise<this> {
    this.server = createServer(this.handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The ingest endpoint as a plain request listener, to mount on another server (see FakeConfigServer). */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    void readJson(req).then((body) => {
      const { query, variables } = body as { query: string; variables: { events: unknown[] } };
      const events = variables.events.map((e) => UsageEvent.parse(e));
      this.calls.push({ authorization: req.headers.authorization, query, events });
      if (this.failNext > 0) {
        this.failNext--;
        res.writeHead(503).end('unavailable');
        return;
      }
      const acknowledged: string[] = [];
      const rejected: Array<{ requestId: string; reason: string }> = [];
      for (const e of events) {
        if (this.ignore.has(e.requestId)) continue;
        if (this.reject.has(e.requestId)) rejected.push({ requestId: e.requestId, reason: 'test says no' });
        else {
          acknowledged.push(e.requestId);
          this.acknowledged.set(e.requestId, e);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { ingestUsage: { acknowledged, rejected } } }));
    });
  };

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
