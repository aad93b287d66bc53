import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { AckCursor } from './ack-cursor.js';
import { EventBlock } from './event-block.js';
import { FileSegment, lastLineEnd, MemorySegment, SEGMENT_NAME, type Segment } from './segment.js';
import { SpoolLock, SpoolLockedError } from './spool-lock.js';

export interface SpoolOptions {
  /** The spool directory (`TOLLGATE_SPOOL_DIR`). Unset: events wait in memory only and die with the process. */
  dir?: string;
  /** Bytes of events kept before the oldest are dropped (logged, counted). Default 1 GiB. */
  maxBytes?: number;
  /** Segment size; default a quarter of `maxBytes`, at most 4 MiB. */
  segmentBytes?: number;
  /** How often written events are flushed to the device. Default 500 ms. */
  fsyncMs?: number;
  /** After a failed write, how long events stay in memory before the disk is tried again. Default 5 s. */
  diskRetryMs?: number;
}

export const DEFAULT_SPOOL_MAX_BYTES = 1024 ** 3;
const MAX_SEGMENT_BYTES = 4 * 1024 * 1024;
/** Events kept in memory (no spool directory, or while it cannot be written): at most this, or `maxBytes`. */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;
/** The buffer one event-loop turn's events are gathered in before they are written; also a memory segment's size. */
const PENDING_BYTES = 256 * 1024;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const EMPTY = Buffer.alloc(0);

interface SpoolDirectory {
  path: string;
  lock: SpoolLock;
  cursor: AckCursor;
  /** The directory itself, fsynced after segments are created or deleted, so the entries survive a crash. */
  fd: number;
  dirty: boolean;
}

/**
 * Usage events from the moment they are recorded until the control plane has acknowledged them, in segment files
 * of a local directory, so that neither a control-plane outage nor a data-plane restart or crash loses them.
 *
 * **Format.** Each event is its JSON and a newline (`JSON.stringify` never writes a raw newline), appended to the
 * newest segment (`<first sequence number>.ndjson`, up to 4 MiB); every event has a sequence number, its position
 * in the spool. `ack` holds the number below which every event is resolved. A segment is deleted once all its
 * events are, so the directory holds what is unacknowledged plus at most part of one segment. On start, segments
 * left by the previous run are loaded from the cursor on and shipped before anything new; a torn last line (the
 * process died while writing it) is skipped and logged, and every recovered line is checked to be JSON before it
 * is sent, so a damaged one cannot block the batches behind it.
 *
 * **Hot path.** `append` copies the event's JSON into a buffer; the buffer is written with one `write` at the end of
 * the event-loop turn (`setImmediate`), or when a batch is taken, whichever comes first, so batches never carry an
 * event the file does not have. Batches are read back from the files (the page cache, in practice) as framed JSON
 * with one copy, as they were cut from memory before; events never wait as JavaScript objects (for the garbage
 * collector, see `EventBlock`).
 *
 * **What survives.** A process that is killed (SIGKILL, OOM, a crash) loses nothing it wrote: written data is in
 * the kernel's page cache, which the next start reads. It can lose the events of the one event-loop turn it was
 * killed in. Written data reaches the device on an interval (`fsyncMs`, 500 ms); a machine crash or power loss can
 * lose up to that much unacknowledged usage.
 *
 * **Disk full, directory unwritable.** A failed write never fails a request: the events stay in memory, in order
 * behind those on disk, an error is logged, and the disk is tried again every `diskRetryMs`. Events held in memory
 * are lost if the process dies. A directory that cannot be used at start (not creatable, no permission) leaves the
 * spool in memory for the life of the process, logged likewise; a directory locked by another live data plane is a
 * startup error instead (`SpoolLockedError`, see `SpoolLock`).
 *
 * **Full spool.** Beyond `maxBytes` on disk (64 MiB in memory) the oldest segment is dropped, with an error log and
 * the `dropped` counter: events already taken for sending are not among them, the answer decides their fate.
 */
export class EventSpool {
  /** Oldest first; only the last one may be unsealed (being appended to). */
  private readonly segments: Segment[] = [];
  private pending = Buffer.allocUnsafeSlow(PENDING_BYTES);
  private pendingUsed = 0;
  private pendingCount = 0;
  private flushScheduled = false;
  /** An emptied memory segment's buffer, kept for the next one: a steady load in memory allocates no new buffers. */
  private spare: Buffer | undefined;
  /** The sequence number of the first pending event (the next one written). */
  private nextSeq = 0;
  /** The next event to take: `readSeq`, at byte `readOffset` of `segments[readIndex]`. */
  private readIndex = 0;
  private readOffset = 0;
  private readSeq = 0;
  /** Every event below it is resolved. */
  private ackSeq = 0;
  /** Events appended and not taken. */
  private queued = 0;
  private diskBytes = 0;
  private memoryBytes = 0;
  private droppedCount = 0;
  /** While the directory refuses writes: when to try it again (0: it takes them). */
  private diskRetryAt = 0;
  private directory: SpoolDirectory | undefined;
  private readonly maxBytes: number;
  private readonly maxMemoryBytes: number;
  private readonly segmentBytes: number;
  private readonly memorySegmentBytes: number;
  private readonly diskRetryMs: number;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    options: SpoolOptions,
    private readonly logger: Logger,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    this.maxMemoryBytes = Math.min(this.maxBytes, MAX_MEMORY_BYTES);
    this.segmentBytes = options.segmentBytes ?? Math.min(MAX_SEGMENT_BYTES, Math.floor(this.maxBytes / 4));
    this.memorySegmentBytes = Math.min(this.segmentBytes, PENDING_BYTES);
    this.diskRetryMs = options.diskRetryMs ?? 5_000;
    this.timer = setInterval(() => this.syncToDevice(), options.fsyncMs ?? 500);
    this.timer.unref();
  }

  /** Takes the spool directory (locking it) and loads what the previous run left; throws `SpoolLockedError`. */
  static open(options: SpoolOptions & { logger: Logger }): EventSpool {
    const spool = new EventSpool(options, options.logger);
    try {
      if (options.dir !== undefined) spool.attach(resolve(options.dir));
    } catch (err) {
      clearInterval(spool.timer);
      throw err;
    }
    return spool;
  }

  /** Events waiting to be taken. */
  get size(): number {
    return this.queued;
  }

  /** Events dropped because the spool was full, since start. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The sequence number of the next event to take: every event below it has been taken. */
  get takenUpTo(): number {
    return this.readSeq;
  }

  append(json: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: checked without measuring the string.
    if (this.pending.length - this.pendingUsed <= json.length * 3) this.makeRoom(json.length * 3 + 1);
    this.pendingUsed += this.pending.write(json, this.pendingUsed);
    this.pending[this.pendingUsed++] = NEWLINE;
    this.pendingCount++;
    this.queued++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  /**
   * Takes up to `n` events, oldest first, as one block (undefined when none is waiting): read from their segment
   * into a buffer that also holds `prefix` before and `suffix` after them (see `EventBlock.frame`). A block never
   * spans two segments.
   */
  take(n: number, prefix: Buffer = EMPTY, suffix: Buffer = EMPTY): EventBlock | undefined {
    this.flush();
    for (;;) {
      const segment = this.readable();
      if (segment === undefined || n <= 0) return undefined;
      let block: EventBlock;
      try {
        block = this.read(segment, Math.min(n, segment.firstSeq + segment.count - this.readSeq), prefix, suffix);
      } catch (error) {
        if (!(segment instanceof FileSegment)) throw error;
        this.unreadable(segment, error);
        continue;
      }
      const checked = segment instanceof FileSegment && segment.recovered ? this.checked(block, segment.path) : block;
      if (checked) return checked;
    }
  }

  /** Every event below `seq` is resolved (acknowledged or rejected): segments wholly below it are deleted. */
  acknowledge(seq: number): void {
    if (seq <= this.ackSeq) return;
    this.ackSeq = seq;
    this.directory?.cursor.write(seq);
    for (let first = this.segments[0]; first?.sealed && first.firstSeq + first.count <= seq; first = this.segments[0]) this.remove(0);
  }

  /** Writes what is pending, flushes every file to the device and releases the directory; the spool is unusable after. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
    let onDisk = 0;
    let inMemory = 0;
    for (const segment of this.segments) {
      const unresolved = Math.max(0, segment.firstSeq + segment.count - Math.max(segment.firstSeq, this.ackSeq));
      if (segment.onDisk) onDisk += unresolved;
      else inMemory += unresolved;
      segment.close();
    }
    const directory = this.directory;
    // Anything appended after this (it should not be) stays in memory.
    this.directory = undefined;
    if (directory) {
      directory.cursor.close();
      this.syncDirectory(directory, true);
      closeSync(directory.fd);
      directory.lock.release();
      if (onDisk > 0) this.logger.info('usage events not acknowledged yet stay in the spool; they are sent on the next start', { count: onDisk, dir: directory.path });
    }
    if (inMemory > 0) this.logger.error('usage events held in memory were not acknowledged before shutdown; they are lost', { count: inMemory });
  }

  private readonly endOfTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private makeRoom(bytes: number): void {
    this.flush();
    if (this.pending.length < bytes) this.pending = Buffer.allocUnsafeSlow(Math.max(bytes, PENDING_BYTES));
  }

  /** Writes the pending events: to the newest segment file, or to memory while the directory refuses them. */
  private flush(): void {
    const length = this.pendingUsed;
    if (length === 0) return;
    const count = this.pendingCount;
    let written = 0;
    let writtenCount = 0;
    const file = this.fileSegment();
    if (file) {
      written = lastLineEnd(this.pending, file.write(this.pending, length));
      writtenCount = written === length ? count : countLines(this.pending, 0, written);
      file.count += writtenCount;
      file.size += written;
      this.diskBytes += written;
      if (written < length) this.diskFailed(file, file.lastError);
      else if (file.size >= this.segmentBytes) file.seal();
    }
    if (written < length) {
      const rest = this.pending.subarray(written, length);
      const memory = this.memorySegment(this.nextSeq + writtenCount, rest.length);
      memory.write(rest, rest.length);
      memory.count += count - writtenCount;
      memory.size += rest.length;
      this.memoryBytes += rest.length;
      if (memory.size >= this.memorySegmentBytes) memory.seal();
    }
    this.nextSeq += count;
    this.pendingUsed = 0;
    this.pendingCount = 0;
    this.dropBeyondCaps();
  }

  /** The segment file to append to (a new one when there is none), or undefined while the disk is out. */
  private fileSegment(): FileSegment | undefined {
    const directory = this.directory;
    if (directory === undefined || (this.diskRetryAt !== 0 && Date.now() < this.diskRetryAt)) return undefined;
    const tail = this.segments.at(-1);
    if (tail instanceof FileSegment && !tail.sealed) return tail;
    let segment: FileSegment;
    try {
      segment = FileSegment.create(directory.path, this.nextSeq, this.logger);
    } catch (err) {
      this.diskFailed(undefined, err);
      return undefined;
    }
    tail?.seal();
    this.segments.push(segment);
    directory.dirty = true;
    if (this.diskRetryAt !== 0) {
      this.diskRetryAt = 0;
      this.logger.info('usage spool: the spool directory takes writes again; new usage events go to disk', { dir: directory.path });
    }
    return segment;
  }

  /** The memory segment to append `bytes` to: the newest, when it has room, else a new one. */
  private memorySegment(firstSeq: number, bytes: number): MemorySegment {
    const tail = this.segments.at(-1);
    if (tail instanceof MemorySegment && !tail.sealed && tail.room >= bytes) return tail;
    tail?.seal();
    const size = Math.max(this.memorySegmentBytes, bytes);
    let buf = this.spare?.length === size ? this.spare : undefined;
    this.spare = undefined;
    buf ??= Buffer.allocUnsafeSlow(size);
    const segment = new MemorySegment(firstSeq, buf);
    this.segments.push(segment);
    return segment;
  }

  private diskFailed(segment: FileSegment | undefined, error: unknown): void {
    this.diskRetryAt = Date.now() + this.diskRetryMs;
    this.logger.error('usage spool: cannot write to the spool directory; keeping usage events in memory, where they are lost if the process dies, and trying the disk again shortly', {
      dir: this.directory?.path,
      error,
      retryInMs: this.diskRetryMs,
    });
    if (segment === undefined) return;
    // Nothing is appended after a failed write: a torn line stays the last one in its file.
    segment.seal();
    if (segment.count === 0) this.remove(this.segments.lastIndexOf(segment));
  }

  private dropBeyondCaps(): void {
    while (this.diskBytes > this.maxBytes && this.dropOldest(true));
    while (this.memoryBytes > this.maxMemoryBytes && this.dropOldest(false));
  }

  /** Drops the oldest sealed segment on disk (or in memory); false when there is none. */
  private dropOldest(onDisk: boolean): boolean {
    const index = this.segments.findIndex((s) => s.onDisk === onDisk && s.sealed);
    if (index === -1) return false;
    const segment = this.segments[index]!;
    const dropped = index < this.readIndex ? 0 : segment.firstSeq + segment.count - Math.max(this.readSeq, segment.firstSeq);
    this.remove(index);
    if (dropped > 0) {
      this.queued -= dropped;
      this.droppedCount += dropped;
      this.logger.error('usage spool full: dropped the oldest usage events', {
        dropped,
        totalDropped: this.droppedCount,
        maxBytes: onDisk ? this.maxBytes : this.maxMemoryBytes,
        where: onDisk ? 'disk' : 'memory',
      });
    }
    return true;
  }

  private remove(index: number): void {
    const [segment] = this.segments.splice(index, 1);
    if (segment === undefined) return;
    if (segment instanceof MemorySegment) this.spare = segment.takeBuffer();
    segment.remove();
    if (segment.onDisk) {
      this.diskBytes -= segment.size;
      if (this.directory) this.directory.dirty = true;
    } else {
      this.memoryBytes -= segment.size;
    }
    if (index < this.readIndex) this.readIndex--;
    // The reader was in it: it goes on at the start of the next segment.
    else if (index === this.readIndex) this.readOffset = 0;
  }

  /** The segment holding the next event to take, the reader moved to it; undefined when all are taken. */
  private readable(): Segment | undefined {
    for (;;) {
      const segment = this.segments[this.readIndex];
      if (segment === undefined) return undefined;
      if (this.readSeq < segment.firstSeq) {
        this.readSeq = segment.firstSeq;
        this.readOffset = 0;
      }
      if (this.readSeq < segment.firstSeq + segment.count) return segment;
      if (this.readIndex === this.segments.length - 1) return undefined;
      this.readIndex++;
      this.readOffset = 0;
    }
  }

  /** Reads the next `n` events of `segment`, framed; advances the reader. */
  private read(segment: Segment, n: number, prefix: Buffer, suffix: Buffer): EventBlock {
    const remaining = segment.size - this.readOffset;
    const all = n === segment.firstSeq + segment.count - this.readSeq;
    // Reading to the segment's end is exact; otherwise guess from its average event size, and read more if short.
    let length = all ? remaining : Math.min(remaining, Math.ceil((segment.size / segment.count) * n * 1.25) + 1024);
    for (;;) {
      const out = Buffer.allocUnsafeSlow(prefix.length + length + suffix.length);
      segment.read(out, prefix.length, this.readOffset, length);
      const ends: number[] = [];
      for (let at = prefix.length, end = prefix.length + length; ends.length < n; ) {
        const newline = out.indexOf(NEWLINE, at);
        if (newline === -1 || newline >= end) break;
        ends.push(newline - prefix.length);
        at = newline + 1;
      }
      if (ends.length < n && length < remaining) {
        length = Math.min(remaining, length * 2);
        continue;
      }
      const last = ends.at(-1)!;
      // Newlines become the commas of a JSON array; the suffix goes where the last one was.
      for (let i = 0; i < ends.length - 1; i++) out[prefix.length + ends[i]!] = COMMA;
      prefix.copy(out, 0);
      suffix.copy(out, prefix.length + last);
      const block = new EventBlock(out.subarray(prefix.length, prefix.length + last), ends, this.readSeq, out.subarray(0, prefix.length + last + suffix.length));
      this.readOffset += last + 1;
      this.readSeq += ends.length;
      this.queued -= ends.length;
      return block;
    }
  }

  /** A segment file that cannot be read (an I/O error, deleted by hand): its events are lost, loudly, not the process. */
  private unreadable(segment: FileSegment, error: unknown): void {
    const index = this.segments.indexOf(segment);
    const lost = segment.firstSeq + segment.count - this.readSeq;
    this.remove(index);
    this.queued -= lost;
    this.droppedCount += lost;
    this.logger.error('usage spool: cannot read a segment; its usage events are lost', { file: segment.path, lost, error });
  }

  /** A recovered block without the lines that are not JSON (torn by a crash); undefined when none is left. */
  private checked(block: EventBlock, file: string): EventBlock | undefined {
    const valid = (i: number): boolean => {
      try {
        JSON.parse(block.event(i).toString('utf8'));
        return true;
      } catch {
        return false;
      }
    };
    let bad = 0;
    for (let i = 0; i < block.count; i++) if (!valid(i)) bad++;
    if (bad === 0) return block;
    this.logger.error('usage spool: skipped unreadable usage events left by the previous run', { count: bad, file });
    return block.filter(valid);
  }

  /** Takes the directory and loads the segments the previous run left; on failure other than a lock, stays in memory. */
  private attach(path: string): void {
    let lock: SpoolLock;
    try {
      mkdirSync(path, { recursive: true });
      lock = SpoolLock.acquire(path, this.logger);
    } catch (err) {
      if (err instanceof SpoolLockedError) throw err;
      this.unusable(path, err);
      return;
    }
    let cursor: AckCursor | undefined;
    try {
      cursor = AckCursor.open(path, this.logger);
      const fd = openSync(path, 'r');
      this.directory = { path, lock, cursor, fd, dirty: false };
      this.recover(path, cursor.initial);
      this.logger.info('usage spool: usage events wait in the spool directory until the control plane acknowledges them', { dir: path, maxBytes: this.maxBytes });
    } catch (err) {
      if (this.directory) closeSync(this.directory.fd);
      this.directory = undefined;
      cursor?.close();
      lock.release();
      this.segments.length = 0;
      this.unusable(path, err);
    }
  }

  private unusable(path: string, error: unknown): void {
    this.logger.error('usage spool: cannot use the spool directory; usage events are kept in memory until restart and are lost if the process dies (set TOLLGATE_SPOOL_DIR to a writable directory)', { dir: path, error });
  }

  private recover(dir: string, cursor: number): void {
    const names = readdirSync(dir).filter((name) => SEGMENT_NAME.test(name)).sort();
    let events = 0;
    for (const name of names) {
      const file = join(dir, name);
      const firstSeq = Number(SEGMENT_NAME.exec(name)![1]);
      const data = readFileSync(file);
      const size = lastLineEnd(data, data.length);
      const count = countLines(data, 0, size);
      if (size < data.length) this.logger.warn('usage spool: skipped a truncated usage event at the end of a segment (the process died while writing it)', { file, bytes: data.length - size });
      if (count === 0 || firstSeq + count <= cursor) {
        // Empty, or acknowledged and the previous run died before deleting it.
        unlinkSync(file);
        continue;
      }
      if (this.segments.length === 0 && cursor > firstSeq) {
        const skip = cursor - firstSeq;
        this.readOffset = lineOffset(data, skip);
        events -= skip;
      }
      this.segments.push(FileSegment.load(file, firstSeq, count, size, this.logger));
      this.diskBytes += size;
      events += count;
    }
    const first = this.segments[0];
    const last = this.segments.at(-1);
    this.ackSeq = cursor;
    this.readSeq = Math.max(cursor, first?.firstSeq ?? 0);
    this.nextSeq = Math.max(cursor, last ? last.firstSeq + last.count : 0);
    this.queued = events;
    if (events > 0) this.logger.info('usage spool: sending the usage events the previous run left unacknowledged first', { count: events, dir });
  }

  /** Starts flushing written events, the cursor and directory changes to the device. */
  private syncToDevice(): void {
    for (const segment of this.segments) segment.sync();
    const directory = this.directory;
    if (directory === undefined) return;
    directory.cursor.sync();
    this.syncDirectory(directory, false);
  }

  private syncDirectory(directory: SpoolDirectory, now: boolean): void {
    if (!directory.dirty) return;
    directory.dirty = false;
    const failed = (error: unknown): void => this.logger.error('usage spool: could not fsync the spool directory', { dir: directory.path, error });
    if (!now) return fsync(directory.fd, (err) => err && failed(err));
    try {
      fsyncSync(directory.fd);
    } catch (err) {
      failed(err);
    }
  }
}

/** Newlines in `bytes[from, to)`. */
function countLines(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE, from); at !== -1 && at < to; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/** The offset just past the `n`th newline. */
function lineOffset(bytes: Buffer, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at = bytes.indexOf(NEWLINE, at) + 1;
  return at;
}
