/**
 * Byte-level helpers of the fast path. The forwarder never decodes a stream into strings to find its way through
 * it: event boundaries, event kinds and the usage object are found by byte search (see docs/performance.md).
 */

export const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the next event begins when the line feed at `nl` ends a blank line (an event boundary: `\n\n`, or `\r\n\r\n`
 * from servers that end lines with CRLF, as sse-starlette does by default); else -1. The event itself ends at `nl`
 * (a trailing `\r` is JSON whitespace).
 */
export function boundaryAfter(data: Buffer, nl: number): number {
  const next = data[nl + 1];
  if (next === LF) return nl + 2;
  return next === CR && data[nl + 2] === LF && data[nl - 1] === CR ? nl + 3 : -1;
}

/**
 * Whether the event data[start, end) is the data line `data:` + `rest`, with or without the space after the colon
 * (`data:[DONE]` from Spring's SSE writer and others).
 */
export function isDataLine(data: Buffer, start: number, end: number, rest: Buffer): boolean {
  if (!startsWith(data, start, end, DATA_FIELD)) return false;
  const at = start + DATA_FIELD.length + (data[start + DATA_FIELD.length] === 0x20 ? 1 : 0);
  return startsWith(data, at, end, rest);
}

/** An SSE data line's field name. */
export const DATA_FIELD = Buffer.from('data:');

const ERROR_KEY = Buffer.from('"error"');

/** The index of the first byte at or after `from` that is not JSON whitespace (or `data.length`). */
function skipWhitespace(data: Buffer, from: number): number {
  let i = from;
  while (i < data.length && (data[i] === 0x20 || data[i] === LF || data[i] === CR || data[i] === 0x09)) i++;
  return i;
}

/**
 * What a whole answer's first bytes say it is: `json` (an object or array), `error` (an object whose first member
 * is `"error"`: the error body some servers send with a 200, OpenRouter's after a failure that began processing), or
 * `other` (an HTML page from a proxy, a plain-text message, nothing at all). Reads a few bytes, whatever the size.
 */
export function answerKind(body: Buffer): 'json' | 'error' | 'other' {
  const open = skipWhitespace(body, 0);
  if (body[open] === 0x5b /* [ */) return 'json';
  if (body[open] !== 0x7b /* { */) return 'other';
  const key = skipWhitespace(body, open + 1);
  return key + ERROR_KEY.length <= body.length && body.compare(ERROR_KEY, 0, ERROR_KEY.length, key, key + ERROR_KEY.length) === 0 ? 'error' : 'json';
}

/** Whether data[start, end) begins with `prefix`. */
export function startsWith(data: Buffer, start: number, end: number, prefix: Buffer): boolean {
  const n = prefix.length;
  if (end - start < n) return false;
  for (let i = 0; i < n; i++) if (data[start + i] !== prefix[i]) return false;
  return true;
}

/** Whether data[start, end) ends with `suffix`. */
export function endsWith(data: Buffer, start: number, end: number, suffix: Buffer): boolean {
  const n = suffix.length;
  if (end - start < n) return false;
  for (let i = 0, at = end - n; i < n; i++) if (data[at + i] !== suffix[i]) return false;
  return true;
}

/**
 * Scratch memory the pieces of one read are joined in: what is taken from it is written to the client (uWS copies
 * what it cannot send at once) or copied (the incomplete tail) before the flush returns, so one buffer serves
 * every flush and a stream allocates nothing per read for it.
 */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** The pieces joined: in `scratch` (valid until the caller returns) when they fit, else in a new buffer. */
export function joinPieces(pieces: readonly Buffer[], total: number): Buffer {
  if (total > SCRATCH_BYTES) return Buffer.concat(pieces, total);
  let at = 0;
  for (const piece of pieces) at += piece.copy(scratch, at);
  return scratch.subarray(0, at);
}

const USAGE_KEY = Buffer.from('"usage"');

/**
 * The text of the object after the last `"usage":` in `bytes`, or undefined when it is not a plain `{…}`. Usage is
 * the last object member in practice (chat completions, Responses objects), so it is looked up from the end and a
 * long answer is not parsed just to count it. A `"usage"` inside a string value would be escaped (`\"usage\"`), so
 * a hit is a real key (or a string value, which is then not followed by `:`).
 */
export function lastUsageObject(bytes: Buffer): string | undefined {
  const at = bytes.lastIndexOf(USAGE_KEY);
  if (at === -1) return undefined;
  let i = at + USAGE_KEY.length;
  while (isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x3a /* : */) return undefined;
  i++;
  while (isSpace(bytes[i])) i++;
  if (bytes[i] !== 0x7b /* { */) return undefined;
  const open = i;
  let depth = 0;
  for (; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x22 /* " */) {
      // Skip the string, honouring escapes.
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c /* \ */) i++;
    } else if (c === 0x7b) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return bytes.toString('utf8', open, i + 1);
  }
  return undefined;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The `usage` of a whole (non-streamed) answer: the object after the last `"usage":` (see `lastUsageObject`) when
 * `complete` accepts it, so a long answer is not parsed just to count it; otherwise the whole body's `usage`.
 * Undefined when the body is not JSON or has none.
 */
export function answerUsage<T>(bytes: Buffer, complete: (usage: T) => boolean): T | undefined {
  const object = lastUsageObject(bytes);
  if (object !== undefined) {
    try {
      const usage = JSON.parse(object) as T;
      if (usage !== null && typeof usage === 'object' && complete(usage)) return usage;
    } catch {
      // fall through to the full parse
    }
  }
  try {
    return ((JSON.parse(bytes.toString('utf8')) as { usage?: T | null } | null)?.usage ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The JSON object of one SSE event (from its first `{`), parsed; undefined when that is not JSON. */
export function eventJson<T>(event: Buffer): T | undefined {
  const at = event.indexOf(0x7b /* { */);
  if (at === -1) return undefined;
  try {
    return JSON.parse(event.toString('utf8', at)) as T;
  } catch {
    return multiLineJson<T>(event);
  }
}

/**
 * An event whose data spans several `data:` lines (which SSE joins with line feeds; few servers write them): the
 * lines' values joined, parsed. Undefined for anything else that is not JSON.
 */
function multiLineJson<T>(event: Buffer): T | undefined {
  const lines = event.toString('utf8').split(/\r?\n/);
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line[5] === ' ' ? 6 : 5));
  if (data.length < 2) return undefined;
  try {
    return JSON.parse(data.join('\n')) as T;
  } catch {
    return undefined;
  }
}
