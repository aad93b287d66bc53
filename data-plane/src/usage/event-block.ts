/**
 * A run of serialised usage events as one batch is sent: their JSON joined by commas (a JSON array's contents), where
 * each ends, and each one's spool sequence number (what the spool's acknowledgement cursor counts in).
 */
export class EventBlock {
  constructor(
    /** `event,event,…,event`. */
    readonly bytes: Buffer,
    /** Offset just past each event's JSON (the separating comma, if any, follows). */
    readonly ends: readonly number[],
    /**
     * The first event's sequence number, the others following on (a block cut from the spool), or one per event
     * (a block filtered out of another).
     */
    private readonly seqs: number | readonly number[],
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

  /** The spool sequence number of event `i`. */
  seq(i: number): number {
    const seqs = this.seqs;
    return typeof seqs === 'number' ? seqs + i : seqs[i]!;
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

  /** A new block of the events `keep` says to keep, in order, with their sequence numbers (undefined when none is kept). */
  filter(keep: (i: number) => boolean): EventBlock | undefined {
    const parts: Buffer[] = [];
    const ends: number[] = [];
    const seqs: number[] = [];
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
      seqs.push(this.seq(i));
    }
    return ends.length === 0 ? undefined : new EventBlock(Buffer.concat(parts, length), ends, seqs);
  }
}

const ID_PREFIX = Buffer.from('{"requestId":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = Buffer.from(',');

function hasByte(bytes: Buffer, byte: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return true;
  return false;
}
