import { isSseComment } from './sse.js';

/**
 * Test helper: a raw Responses SSE body → its events, checking the framing (`event:` line naming `data.type`);
 * comments are skipped.
 */
export interface SseEvent {
  readonly event: string;
  readonly data: Record<string, unknown> & { type: string; sequence_number: number };
}

export function parseEvents(body: string): SseEvent[] {
  const blocks = body.split('\n\n');
  if (blocks.at(-1) !== '') throw new Error('SSE body does not end with a blank line');
  return blocks.slice(0, -1).filter((block) => !isSseComment(block)).map((block) => {
    const match = /^event: ([^\n]+)\ndata: ([^\n]+)$/.exec(block);
    if (!match) throw new Error(`unexpected SSE event: ${block}`);
    const data = JSON.parse(match[2]!) as SseEvent['data'];
    if (data.type !== match[1]) throw new Error(`event line ${match[1]} does not match data.type ${data.type}`);
    return { event: match[1]!, data };
  });
}

export async function postResponses(baseUrl: string, key: string, body: unknown, path = '/v1/responses'): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
}
