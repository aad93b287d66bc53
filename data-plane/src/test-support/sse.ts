import { STREAM_OPENING } from '../http/exchange.js';

/**
 * Splits a raw SSE body into its `data:` payloads, checking the framing on the way. Comments (the stream's opening,
 * keep-alives) are skipped, as every SSE parser does; each must be an event of its own.
 */
export function sseData(body: string): string[] {
  const events = body.split('\n\n');
  if (events.at(-1) !== '') throw new Error('SSE body does not end with a blank line');
  return events.slice(0, -1).filter((event) => !isSseComment(event)).map((event) => {
    if (!event.startsWith('data: ') || event.includes('\n')) throw new Error(`unexpected SSE event: ${event}`);
    return event.slice('data: '.length);
  });
}

export async function postChat(baseUrl: string, key: string | null, body: unknown, path = '/v1/chat/completions'): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** An SSE event block that is a comment (`: …`, one line): parsers skip it. */
export function isSseComment(block: string): boolean {
  return block.startsWith(':') && !block.includes('\n');
}

/**
 * A stream's body after its opening comment, if it has one: a stream whose first content arrived together with the
 * upstream's 200 goes out without it (see `Exchange.openEventStreamSoon`).
 */
export function afterOpening(body: string): string {
  return body.startsWith(STREAM_OPENING) ? body.slice(STREAM_OPENING.length) : body;
}
