import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelHealthResult, UsageEvent } from '@tollgate/schema';

export interface IngestCall {
  authorization: string | undefined;
  query: string;
  events: UsageEvent[];
}

/** One `reportModelHealth` call, its results validated with the real zod schema. */
export interface HealthReport {
  authorization: string | undefined;
  requestId: string | null;
  results: ModelHealthResult[];
}

/**
 * A stand-in for the control plane's `POST /graphql` usage ingest: records every call, validates events with the
 * real zod schema, and acknowledges them, unless told to fail. Health-check reports (`reportModelHealth`) are
 * recorded apart, in `healthReports`, and always stored.
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
  readonly healthReports: HealthReport[] = [];
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
      if ((body as { query: string }).query.includes('reportModelHealth')) {
        const { variables } = body as { variables: { requestId: string | null; results: unknown[] } };
        const results = variables.results.map((r) => ModelHealthResult.parse(r));
        this.healthReports.push({ authorization: req.headers.authorization, requestId: variables.requestId, results });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { reportModelHealth: results.length } }));
        return;
      }
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
