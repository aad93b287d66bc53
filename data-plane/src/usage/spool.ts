/**
 * Usage events waiting to be shipped, held as JSON bytes outside the JavaScript heap.
 *
 * Why bytes: under load thousands of events a second wait tens of milliseconds for their batch's round trip. As
 * objects they outlive the young generation and are promoted to the old one, where they die in bulk; that
 * promotion, not the request path, was most of the data plane's garbage-collection work and heap growth. As bytes
 * appended to a few large buffers they cost one short-lived string each (the `JSON.stringify` result) and nothing
 * for the collector to copy or trace. Batches are cut from the bytes directly, so events are serialised once.
 */

/** A run of serialised events: their JSON joined by commas (a JSON array's contents), and where each ends. */
export class EventBlock {
  constructor(
    /** `event,event,…,event`. */
    readonly bytes: Buffer,
    /** Offset just past each event's JSON (the separating comma, if any, follows). */
    readonly ends: readonly number[],
    /**
     * `bytes` with the framing asked for at `take` around it, in the same memory (so a batch costs one copy);
     * undefined for blocks made otherwise.
     */
    readonly framed?: Buffer,
  ) {}

  /** `prefix` + bytes + `suffix` (the framed buffer when it is that already). */
  frame(prefix: Buffer, suffix: Buffer): Buffer {
    const framed = this.framed;
    if (framed && framed.length === prefix.length + this.bytes.length + suffix.length && framed.compare(prefix, 0, prefix.length, 0, prefix.length) === 0) {
      return framed;
    }
    return Buffer.concat([prefix, this.bytes, suffix]);
  }

  get count(): number {
    return this.ends.length;
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]! + 1;
  }

  /** The JSON of event `i`. */
  event(i: number): Buffer {
    return this.bytes.subarray(this.start(i), this.ends[i]);
  }

  /**
   * The request id of event `i`, read from the bytes: events are serialised with `requestId` first (the order
   * the recorder builds them in), so it is a fixed prefix; anything else is parsed.
   */
  requestId(i: number): string {
    const start = this.start(i);
    const bytes = this.bytes;
    if (bytes.compare(ID_PREFIX, 0, ID_PREFIX.length, start, start + ID_PREFIX.length) === 0) {
      const from = start + ID_PREFIX.length;
      const to = bytes.indexOf(QUOTE, from);
      if (to !== -1 && to < this.ends[i]! && !hasByte(bytes, BACKSLASH, from, to)) return bytes.toString('utf8', from, to);
      // An id with an escape in it (ours are generated UUIDs) is read the slow way.
    }
    return (JSON.parse(this.event(i).toString('utf8')) as { requestId: string }).requestId;
  }

  /** A new block of the events `keep` says to keep, in order (undefined when none is kept). */
  filter(keep: (i: number) => boolean): EventBlock | undefined {
    const parts: Buffer[] = [];
    const ends: number[] = [];
    let length = 0;
    for (let i = 0; i < this.count; i++) {
      if (!keep(i)) continue;
      if (parts.length > 0) {
        parts.push(COMMA);
        length++;
      }
      const event = this.event(i);
      parts.push(event);
      length += event.length;
      ends.push(length);
    }
    return ends.length === 0 ? undefined : new EventBlock(Buffer.concat(parts, length), ends);
  }

  /** The block without its first `n` events. */
  drop(n: number): EventBlock | undefined {
    return this.filter((i) => i >= n);
  }
}

const ID_PREFIX = Buffer.from('{"requestId":"');

function hasByte(bytes: Buffer, byte: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return true;
  return false;
}
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = Buffer.from(',');
const EMPTY = Buffer.alloc(0);
const CHUNK_BYTES = 256 * 1024;

interface Chunk {
  buf: Buffer;
  /** Bytes written. */
  used: number;
  /** Offset just past each event's trailing comma, in order. */
  ends: number[];
  /** Index in `ends` of the first event still queued. */
  head: number;
}

/**
 * A FIFO of serialised events in 256 KiB chunks. Each event is stored as its JSON and a comma, so any run of
 * consecutive events, minus the last comma, is the inside of a JSON array.
 */
export class EventSpool {
  private chunks: Chunk[] = [];
  /** One emptied chunk kept for reuse, so a steady load allocates no new buffers. */
  private spare: Buffer | undefined;
  private queued = 0;

  get size(): number {
    return this.queued;
  }

  append(json: string): void {
    const length = Buffer.byteLength(json) + 1;
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || chunk.buf.length - chunk.used < length) {
      const size = Math.max(CHUNK_BYTES, length);
      let buf = size === CHUNK_BYTES ? this.spare : undefined;
      if (buf !== undefined) this.spare = undefined;
      buf ??= Buffer.allocUnsafeSlow(size);
      chunk = { buf, used: 0, ends: [], head: 0 };
      this.chunks.push(chunk);
    }
    chunk.used += chunk.buf.write(json, chunk.used, 'utf8');
    chunk.buf[chunk.used++] = 0x2c; // ,
    chunk.ends.push(chunk.used);
    this.queued++;
  }

  /**
   * Removes up to `n` events from the front and returns them as one block (undefined when empty), copied once into
   * a buffer that also holds `prefix` before and `suffix` after them (see `EventBlock.frame`).
   */
  take(n: number, prefix: Buffer = EMPTY, suffix: Buffer = EMPTY): EventBlock | undefined {
    if (this.queued === 0 || n <= 0) return undefined;
    // First pass: how many bytes (events are copied with their commas, the last one is then cut).
    let count = 0;
    let length = 0;
    for (let c = 0; c < this.chunks.length && count < n; c++) {
      const chunk = this.chunks[c]!;
      const last = Math.min(chunk.ends.length, chunk.head + (n - count));
      const from = chunk.head === 0 ? 0 : chunk.ends[chunk.head - 1]!;
      length += chunk.ends[last - 1]! - from;
      count += last - chunk.head;
    }
    const out = Buffer.allocUnsafeSlow(prefix.length + length - 1 + suffix.length);
    prefix.copy(out, 0);
    const ends: number[] = [];
    let at = prefix.length;
    while (ends.length < count) {
      const chunk = this.chunks[0]!;
      const first = chunk.head;
      const last = Math.min(chunk.ends.length, first + (count - ends.length));
      const from = first === 0 ? 0 : chunk.ends[first - 1]!;
      const base = at - prefix.length - from;
      for (let i = first; i < last; i++) ends.push(base + chunk.ends[i]! - 1);
      // The last event's comma is not copied (the suffix overwrites where it would go).
      at += chunk.buf.copy(out, at, from, ends.length === count ? chunk.ends[last - 1]! - 1 : chunk.ends[last - 1]!);
      this.removeFromHead(chunk, last - first);
    }
    suffix.copy(out, at);
    return new EventBlock(out.subarray(prefix.length, prefix.length + length - 1), ends, out);
  }

  /** Drops up to `n` events from the front; returns how many were dropped. */
  drop(n: number): number {
    let dropped = 0;
    while (dropped < n && this.queued > 0) {
      const chunk = this.chunks[0]!;
      const k = Math.min(chunk.ends.length - chunk.head, n - dropped);
      this.removeFromHead(chunk, k);
      dropped += k;
    }
    return dropped;
  }

  private removeFromHead(chunk: Chunk, k: number): void {
    chunk.head += k;
    this.queued -= k;
    // A finished chunk leaves, unless it is also the one being appended to.
    if (chunk.head === chunk.ends.length && (this.chunks.length > 1 || chunk.used > chunk.buf.length - 1024)) {
      this.chunks.shift();
      if (chunk.buf.length === CHUNK_BYTES) this.spare = chunk.buf;
    } else if (chunk.head === chunk.ends.length) {
      // The only chunk, emptied: start over at its beginning.
      chunk.used = 0;
      chunk.ends = [];
      chunk.head = 0;
    }
  }
}
