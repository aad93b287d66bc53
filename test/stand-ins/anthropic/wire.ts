import type { ServerResponse } from 'node:http';

/**
 * Anthropic's HTTP framing: JSON bodies with a `request-id` header, SSE events as `event:` + `data:` lines, and the
 * error body `{"type":"error","error":{"type","message"},"request_id"}`.
 * @see https://docs.anthropic.com/en/api/errors
 */

let counter = 0;

/** Anthropic-looking ids: `msg_01…`, `req_01…` (24 characters after the prefix). */
export function anthropicId(prefix: 'msg_' | 'req_'): string {
  counter += 1;
  return `${prefix}01${`StandIn${String(counter).padStart(6, '0')}`.padEnd(22, 'x')}`;
}

/** The error type Anthropic uses for each HTTP status. */
export function errorTypeFor(status: number): string {
  switch (status) {
    case 400: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 402: return 'billing_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    case 504: return 'timeout_error';
    case 529: return 'overloaded_error';
    default: return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const DEFAULT_MESSAGES: Record<string, string> = {
  invalid_request_error: 'There was an issue with the format or content of your request.',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

export function errorBody(type: string, message?: string): { type: 'error'; error: { type: string; message: string }; request_id: string } {
  return { type: 'error', error: { type, message: message ?? DEFAULT_MESSAGES[type] ?? 'Error' }, request_id: anthropicId('req_') };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'request-id': anthropicId('req_'),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, type: string, message?: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(type, message), headers);
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': anthropicId('req_'),
  });
  res.flushHeaders();
}

/** One SSE event as Anthropic frames it: the event name, then its JSON (whose `type` repeats the name). */
export function writeEvent(res: ServerResponse, event: string, data: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function endSse(res: ServerResponse): void {
  if (!res.destroyed && !res.writableEnded) res.end();
}

/**
 * Kills the connection without ending the chunked body: the client sees a stream that breaks off. What was written
 * before is flushed first (destroying at once would discard it with the socket's buffer).
 */
export function dropConnection(res: ServerResponse): void {
  if (!res.headersSent) {
    res.socket?.destroy();
    return;
  }
  res.write('', () => res.socket?.destroy());
}
