import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What the sink saw of the data plane's usage events. */
export interface UsageTally {
  events: number;
  /** Request ids seen more than once (the shipper resends only what was not acknowledged: should stay 0). */
  duplicates: number;
  byStatus: Record<string, number>;
  /** Successful events whose tokens differ from what the bench upstream reports. */
  wrongTokens: number;
}

export interface UsageSink {
  /** Give the data plane this as TOLLGATE_CONTROL_PLANE_URL. */
  readonly url: string;
  tally(): UsageTally;
  reset(): void;
  close(): void;
}

/**
 * Sits between the data plane and the control plane: config (the graphql-ws subscription, any other request) is
 * passed through to the real control plane untouched, while `ingestUsage` batches are counted, checked and
 * acknowledged here instead of being written to PostgreSQL.
 *
 * Why: on a two-core machine the control plane's ingest (GraphQL + PostgreSQL inserts, over half a core at 12k
 * events/s) would share the client's core, or the gateway's, and the benchmark would measure PostgreSQL. The data
 * plane's own usage work (recording, batching, serialising, POSTing, handling acknowledgements) is unchanged.
 * It also lets the benchmark check "exactly one usage event per request, with the upstream's tokens".
 * `expectTokens(stream)` gives the tokens a successful event must carry.
 */
export async function startUsageSink(controlPlaneUrl: string, expectTokens: (stream: boolean) => { prompt: number; completion: number }): Promise<UsageSink> {
  const target = new URL(controlPlaneUrl);
  const seen = new Set<string>();
  let tally: UsageTally = { events: 0, duplicates: 0, byStatus: {}, wrongTokens: 0 };

  const server: Server = createServer((req, res) => {
    if (req.url === '/__tally') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(tally));
      return;
    }
    void readBody(req).then((body) => {
      if (req.method === 'POST' && body.includes('ingestUsage')) {
        const { variables } = JSON.parse(body) as { variables: { events: Array<{ requestId: string; status: string; stream: boolean; promptTokens: number; completionTokens: number }> } };
        const acknowledged: string[] = [];
        for (const e of variables.events) {
          acknowledged.push(e.requestId);
          if (seen.has(e.requestId)) {
            tally.duplicates++;
            continue;
          }
          seen.add(e.requestId);
          tally.events++;
          tally.byStatus[e.status] = (tally.byStatus[e.status] ?? 0) + 1;
          const want = expectTokens(e.stream);
          if (e.status === 'success' && (e.promptTokens !== want.prompt || e.completionTokens !== want.completion)) tally.wrongTokens++;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { ingestUsage: { acknowledged, rejected: [] } } }));
        return;
      }
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  // The config subscription: a websocket upgrade, spliced through at the TCP level.
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const up = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    tally: () => tally,
    reset: () => {
      tally = { events: 0, duplicates: 0, byStatus: {}, wrongTokens: 0 };
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The sink as seen from another process: its tally over HTTP. */
export async function sinkTally(url: string): Promise<UsageTally> {
  const res = await fetch(new URL('/__tally', url));
  return (await res.json()) as UsageTally;
}

// `node --import tsx usage-sink.ts <control plane GraphQL URL> <prompt> <plain completion> <stream completion>`:
// the sink as its own process; prints {"url":…} when listening.
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const [controlPlaneUrl, prompt, plain, stream] = process.argv.slice(2);
  const sink = await startUsageSink(controlPlaneUrl!, (s) => ({ prompt: Number(prompt), completion: Number(s ? stream : plain) }));
  console.log(JSON.stringify({ url: sink.url }));
}
