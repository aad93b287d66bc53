/**
 * Accumulates a request body from uWS `onData` chunks under a hard size cap.
 *
 * uWS hands each chunk as an ArrayBuffer that it neuters (detaches) as soon as the callback returns, so every chunk
 * is copied before returning. When the client declared a Content-Length the buffer is allocated once and chunks are
 * copied straight into it; otherwise chunks are kept and concatenated at the end.
 */
export class BodyCollector {
  private readonly preallocated: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  /** Bytes held in `preallocated`; once a chunk overflows it, the rest goes to `chunks` to keep the order. */
  private inPreallocated = 0;

  constructor(
    private readonly maxBytes: number,
    declaredLength: number | null,
  ) {
    if (declaredLength !== null && declaredLength <= maxBytes) this.preallocated = Buffer.allocUnsafe(declaredLength);
  }

  /** Copies one chunk in. Returns false once the body exceeds the cap; the caller answers 413 right away. */
  push(chunk: ArrayBuffer): boolean {
    const bytes = new Uint8Array(chunk);
    const next = this.received + bytes.byteLength;
    if (next > this.maxBytes) return false;
    if (this.preallocated && this.chunks.length === 0 && next <= this.preallocated.length) {
      this.preallocated.set(bytes, this.received);
      this.inPreallocated = next;
    } else {
      this.chunks.push(Buffer.copyBytesFrom(bytes));
    }
    this.received = next;
    return true;
  }

  get size(): number {
    return this.received;
  }

  /** The whole body. A body shorter or longer than its declared length still comes back exactly as received. */
  result(): Buffer {
    if (this.preallocated === undefined) return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const head = this.preallocated.subarray(0, this.inPreallocated);
    return this.chunks.length === 0 ? head : Buffer.concat([head, ...this.chunks]);
  }
}
