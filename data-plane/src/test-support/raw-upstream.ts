import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a test's raw upstream answers one request (its JSON body already read and parsed). */
export type RawHandler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;

export interface RawRequest {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: Record<string, unknown>;
}

export interface RawUpstream {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Every request received, in order (tests empty it between cases). */
  readonly received: RawRequest[];
  /** Resolves when the response to the latest request has closed (ended, or the connection dropped). */
  readonly lastClosed: Promise<void>;
  close(): Promise<void>;
}

/**
 * A plain Node HTTP server for fast-path tests: records each request and hands it to `handle` (a test swaps what
 * that calls), so a test scripts the exact bytes, pauses and disconnects of a provider's answer.
 */
export async function startRawUpstream(handle: RawHandler): Promise<RawUpstream> {
  const received: RawRequest[] = [];
  let lastClosed: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      received.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body });
      lastClosed = new Promise((resolve) => res.on('close', resolve));
      handle(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    get lastClosed() {
      return lastClosed;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A handler that streams `parts` as an SSE body with a short pause between writes, so they arrive as separate reads;
 * then ends the response, or drops the connection (`end: false`).
 */
export function streamParts(parts: readonly string[], opts: { end?: boolean; status?: number } = {}): RawHandler {
  return (_req, _body, res) => {
    res.writeHead(opts.status ?? 200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const next = () => {
      if (i < parts.length) {
        res.write(parts[i++]);
        setTimeout(next, 2);
      } else if (opts.end === false) res.destroy();
      else res.end();
    };
    next();
  };
}
