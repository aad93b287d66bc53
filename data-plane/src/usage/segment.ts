import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

/**
 * A run of consecutive spool events, `firstSeq` to `end - 1`, each its JSON and a newline: in a file of the spool
 * directory, or in memory while the directory cannot be written (and when the spool has none).
 *
 * Only whole events are counted: `size` and `count` cover complete lines, so a read never sees half an event even
 * when a write failed halfway.
 */
export interface Segment {
  readonly firstSeq: number;
  /** Complete events in the segment, and their bytes. */
  count: number;
  size: number;
  /** No more events are appended. */
  readonly sealed: boolean;
  readonly onDisk: boolean;
  /** Appends `length` bytes of whole events; returns the bytes written, fewer when the disk refused the rest. */
  write(bytes: Buffer, length: number): number;
  /** Copies `length` bytes from `offset` into `into` at `at`. */
  read(into: Buffer, at: number, offset: number, length: number): void;
  seal(): void;
  /** Starts flushing written data to the device (files only; see `EventSpool` for what that protects). */
  sync(): void;
  /** Flushes and closes, at shutdown. */
  close(): void;
  /** Deletes the segment: all of it was acknowledged, or dropped. */
  remove(): void;
}

/** Segment file names: the first event's sequence number, zero-padded so names sort in order. */
export const SEGMENT_NAME = /^(\d{16})\.ndjson$/;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(16, '0')}.ndjson`;
}

export class FileSegment implements Segment {
  sealed = false;
  readonly onDisk = true;
  /** Written since the last sync. */
  private dirty = false;
  private syncing = false;
  private closed = false;
  /** Why the last write stopped short. */
  lastError: unknown;

  private constructor(
    readonly firstSeq: number,
    readonly path: string,
    private fd: number | undefined,
    public count: number,
    public size: number,
    /** Written by an earlier run: its lines are checked before they are sent (a crash may have torn one). */
    readonly recovered: boolean,
    private readonly logger: Logger,
  ) {}

  /** A new, empty segment file; throws when the directory cannot take one. */
  static create(dir: string, firstSeq: number, logger: Logger): FileSegment {
    const path = join(dir, segmentName(firstSeq));
    // Appended to, and read from while it grows: batches are taken from the segment being written.
    return new FileSegment(firstSeq, path, openSync(path, 'a+'), 0, 0, false, logger);
  }

  /** A segment an earlier run left, already counted; it is only read, then deleted. */
  static load(path: string, firstSeq: number, count: number, size: number, logger: Logger): FileSegment {
    const segment = new FileSegment(firstSeq, path, undefined, count, size, true, logger);
    segment.sealed = true;
    return segment;
  }

  write(bytes: Buffer, length: number): number {
    const fd = this.fd!;
    let written = 0;
    try {
      while (written < length) written += writeSync(fd, bytes, written, length - written);
    } catch (err) {
      this.lastError = err;
      // Cut a half-written event off, so the next run does not have to skip it (if this fails too, it will).
      try {
        if (written > 0) ftruncateSync(fd, this.size + lastLineEnd(bytes, written));
      } catch {
        // The torn line stays; the segment is sealed after a failed write, so nothing is appended after it.
      }
    }
    if (written > 0) this.dirty = true;
    return written;
  }

  read(into: Buffer, at: number, offset: number, length: number): void {
    // Sealed segments are opened only while a batch is read from them: a long backlog would otherwise hold
    // hundreds of descriptors.
    const fd = this.fd ?? openSync(this.path, 'r');
    try {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, into, at + done, length - done, offset + done);
        if (n === 0) throw new Error(`usage spool segment ${this.path} is shorter than expected`);
        done += n;
      }
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
  }

  seal(): void {
    this.sealed = true;
    this.release();
  }

  sync(): void {
    const fd = this.fd;
    if (!this.dirty || this.syncing || fd === undefined) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(fd, (err) => {
      this.syncing = false;
      if (err && !this.closed) this.logger.error('usage spool: fdatasync failed', { file: this.path, error: err });
      this.release();
    });
  }

  close(): void {
    if (this.fd !== undefined && this.dirty) {
      try {
        fdatasyncSync(this.fd);
      } catch (err) {
        this.logger.error('usage spool: fdatasync failed', { file: this.path, error: err });
      }
    }
    this.closed = true;
    this.closeFd();
  }

  remove(): void {
    this.closed = true;
    try {
      unlinkSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.error('usage spool: could not delete a segment', { file: this.path, error: err });
    }
    if (!this.syncing) this.closeFd();
  }

  /** Closes the descriptor once nothing needs it: sealed and synced, or closed. */
  private release(): void {
    if (this.syncing) return;
    if (this.closed || (this.sealed && !this.dirty)) this.closeFd();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch (err) {
      this.logger.error('usage spool: could not close a segment', { file: this.path, error: err });
    }
    this.fd = undefined;
  }
}

/** A segment in one buffer of fixed size: sealed by the spool when the next write does not fit. */
export class MemorySegment implements Segment {
  sealed = false;
  readonly onDisk = false;
  count = 0;
  size = 0;

  constructor(
    readonly firstSeq: number,
    private buf: Buffer,
  ) {}

  /** Bytes it can still take. */
  get room(): number {
    return this.buf.length - this.size;
  }

  write(bytes: Buffer, length: number): number {
    return bytes.copy(this.buf, this.size, 0, length);
  }

  read(into: Buffer, at: number, offset: number, length: number): void {
    this.buf.copy(into, at, offset, offset + length);
  }

  seal(): void {
    this.sealed = true;
  }

  sync(): void {}

  close(): void {}

  remove(): void {
    this.buf = EMPTY;
  }

  /** Its buffer, for the next segment to reuse; the segment is empty after. */
  takeBuffer(): Buffer {
    const buf = this.buf;
    this.buf = EMPTY;
    return buf;
  }
}

const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;

/** The length of the whole lines at the start of `bytes[0, length)`. */
export function lastLineEnd(bytes: Buffer, length: number): number {
  return length === 0 ? 0 : bytes.lastIndexOf(NEWLINE, length - 1) + 1;
}
