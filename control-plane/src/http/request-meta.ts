import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestMeta } from '../services/audit.js';

const MAX_HEADER_CHARS = 256;

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first.slice(0, MAX_HEADER_CHARS) : null;
}

/**
 * Where an admin request came from, for the audit log: the peer address (a proxy in front should be configured
 * to pass the client's; `X-Forwarded-For` is not trusted, since any caller can set it), the user agent, and the
 * caller's `X-Request-Id` or a new one.
 */
export function requestMeta(req: IncomingMessage): RequestMeta {
  return {
    ip: req.socket.remoteAddress ?? null,
    userAgent: header(req, 'user-agent'),
    requestId: header(req, 'x-request-id') ?? randomUUID(),
  };
}
