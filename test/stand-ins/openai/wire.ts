import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Helpers for writing OpenAI's HTTP framing: JSON bodies, SSE `data:` events, `[DONE]`. */

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
}

/** One SSE event exactly as OpenAI frames it: `data: {json}` and a blank line. */
export function writeData(res: ServerResponse, data: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

export function endSse(res: ServerResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.end('data: [DONE]\n\n');
}

export async function pause(ms: number): Promise<void> {
  if (ms > 0) await sleep(ms);
}

/**
 * Kills the connection without the closing chunk: the client sees a body that breaks off. The socket is ended
 * (not destroyed outright) so the chunks written before still reach the client, as they would have in reality.
 */
export function dropConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  socket.end(() => socket.destroy());
}

/** OpenAI-looking ids: `chatcmpl-` + 29 characters. */
let counter = 0;
export function responseId(prefix: string): string {
  counter += 1;
  return `${prefix}${`StandIn${String(counter).padStart(6, '0')}`.padEnd(29, 'x')}`;
}
