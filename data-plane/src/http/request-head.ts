import type { UwsRequest } from '../uws.js';

/**
 * What the pipeline needs from the request line and headers, copied out of the uWS `HttpRequest`. That object is
 * stack-allocated: it is valid only during the synchronous part of the route handler, so anything read after an
 * await (or in onData/onAborted) must have been copied here first.
 */
export interface RequestHead {
  readonly method: string;
  readonly url: string;
  readonly authorization: string;
  /** Anthropic's `x-api-key` header ('' when absent). */
  readonly xApiKey: string;
  /** Azure OpenAI's `api-key` header ('' when absent). */
  readonly apiKey: string;
  /** Anthropic's `anthropic-beta` feature flags ('' when absent), passed on to Anthropic targets. */
  readonly anthropicBeta: string;
  /** The raw query string without '?' ('' when absent). */
  readonly query: string;
  /** Declared Content-Length, or null when absent (chunked) or unparsable. */
  readonly contentLength: number | null;
  /** `Content-Encoding` ('' when absent): a compressed body is decoded when read (`Exchange.readBody`). */
  readonly contentEncoding: string;
  /**
   * Attribution a client sets in headers, where it cannot change the body (Claude Code's `ANTHROPIC_CUSTOM_HEADERS`,
   * Codex's `http_headers`): `x-tollgate-tags` (comma-separated) and `x-tollgate-end-user` ('' when absent).
   */
  readonly tags: string;
  readonly endUser: string;
  /** `X-Forwarded-For` ('' when absent): read only when it comes from a trusted proxy (`clientAddress`). */
  readonly forwardedFor: string;
  /**
   * The coding agent's session the request belongs to ('' when none): Claude Code's `X-Claude-Code-Session-Id`,
   * Codex's `session-id` (`session_id` in versions before 2026). Recorded as the usage event's `metadata.session_id`,
   * so one session's turns can be reported on together.
   */
  readonly sessionId: string;
}

export function readRequestHead(req: UwsRequest): RequestHead {
  const length = req.getHeader('content-length');
  const parsed = length === '' ? Number.NaN : Number(length);
  return {
    method: req.getMethod(),
    url: req.getUrl(),
    authorization: req.getHeader('authorization'),
    xApiKey: req.getHeader('x-api-key'),
    apiKey: req.getHeader('api-key'),
    anthropicBeta: req.getHeader('anthropic-beta'),
    query: req.getQuery() ?? '',
    contentLength: Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : null,
    contentEncoding: req.getHeader('content-encoding'),
    tags: req.getHeader('x-tollgate-tags'),
    endUser: req.getHeader('x-tollgate-end-user'),
    forwardedFor: forwardedFor(req),
    sessionId: req.getHeader('x-claude-code-session-id') || req.getHeader('session-id') || req.getHeader('session_id'),
  };
}

/**
 * Every `X-Forwarded-For` line, joined in order as one list (RFC 9110 §5.3): uWS gives only the first line of a
 * repeated header, and a proxy that adds its own line after the one a client sent (HAProxy's `option forwardfor`)
 * would otherwise leave only the client's line to read, forged addresses and all. One line, the usual case, is read
 * once; the headers are walked only when there is one.
 */
function forwardedFor(req: UwsRequest): string {
  const first = req.getHeader('x-forwarded-for');
  if (first === '') return first;
  const lines: string[] = [];
  req.forEach((name, value) => {
    if (name === 'x-forwarded-for') lines.push(value);
  });
  return lines.length <= 1 ? first : lines.join(', ');
}
