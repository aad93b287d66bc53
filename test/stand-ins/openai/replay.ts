import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Replays a recorded OpenAI-protocol stream, for golden tests and for upstream behaviours the stand-in does not
 * produce because OpenAI does not (interleaved tool-call indices, `reasoning` deltas, streams without usage).
 *
 * A `*.chunks.txt` fixture holds one SSE `data:` payload per line (JSON chunks, `[DONE]`), as recorded; each is
 * served as `data: <line>\n\n`, one write per line.
 */
export function readChunks(path: string | URL): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

export interface ReplayServer {
  /** Base URL to use as `apiBase` (`…/v1`). */
  readonly url: string;
  readonly requests: { path: string; headers: IncomingHttpHeaders; body: unknown }[];
  close(): Promise<void>;
}

export async function startReplay(chunks: readonly string[], options: { status?: number; contentType?: string; body?: string } = {}): Promise<ReplayServer> {
  const requests: ReplayServer['requests'] = [];
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    requests.push({ path: req.url ?? '/', headers: req.headers, body: text ? JSON.parse(text) : undefined });
    if (options.body !== undefined) {
      res.writeHead(options.status ?? 200, { 'content-type': options.contentType ?? 'application/json' });
      res.end(options.body);
      return;
    }
    res.writeHead(options.status ?? 200, { 'content-type': options.contentType ?? 'text/event-stream' });
    for (const chunk of chunks) res.write(`data: ${chunk}\n\n`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
