/**
 * A server-sent events parser over an upstream body (async iterable of byte chunks), per the WHATWG spec: events
 * end at a blank line; `data:` lines join with '\n'; one optional space after the colon is dropped; lines starting
 * with ':' are comments; CR, LF and CRLF all end lines; UTF-8 is decoded across chunk boundaries. Each event is
 * parsed once; what `data` holds (JSON) is the adapter's business.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export interface SseEvent {
  /** The `event:` field; undefined when absent (the spec's default type "message"). */
  readonly event: string | undefined;
  readonly data: string;
  readonly id: string | undefined;
}

export async function* parseSse(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let event: string | undefined;
  let id: string | undefined;
  let data: string[] = [];
  // A chunk may end between CR and LF: remember a trailing CR so the LF that follows does not end a second line.
  let lastWasCr = false;

  const takeLine = function* (line: string): Generator<SseEvent> {
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n'), id };
      event = undefined;
      data = [];
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };

  for await (const chunk of body) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (lastWasCr && text.charCodeAt(0) === 10) text = text.slice(1);
    lastWasCr = false;
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      yield* takeLine(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          lastWasCr = true;
        }
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== '') yield* takeLine(buffer);
  // The spec drops an unterminated last event; upstreams that close without a trailing blank line still meant it.
  if (data.length > 0) yield { event, data: data.join('\n'), id };
}
