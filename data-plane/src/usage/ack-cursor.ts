import { closeSync, fdatasync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

const WIDTH = 20;

/**
 * `<dir>/ack`: the sequence number below which every spooled event is acknowledged (or rejected, or dropped), so a
 * restart resumes inside a partly acknowledged segment instead of resending all of it.
 *
 * It is one fixed-width line overwritten in place, one small write per acknowledged batch. A value lost or torn in
 * a machine crash only means events acknowledged just before it are sent again, which the control plane's
 * idempotent ingest (by request id) absorbs; so it is synced on the spool's interval, never per write.
 */
export class AckCursor {
  private dirty = false;
  private syncing = false;
  private failing = false;
  private readonly line = Buffer.alloc(WIDTH + 1, '\n');

  private constructor(
    private readonly path: string,
    private readonly fd: number,
    readonly initial: number,
    private readonly logger: Logger,
  ) {}

  static open(dir: string, logger: Logger): AckCursor {
    const path = join(dir, 'ack');
    let fd: number;
    let initial = 0;
    try {
      fd = openSync(path, 'r+');
      const text = readFileSync(path, 'latin1');
      if (/^\d{1,20}\n$/.test(text)) initial = Number(text.trim());
      else if (text !== '') logger.warn('usage spool: unreadable acknowledgement cursor; resending from the oldest segment (the control plane ignores duplicates)', { file: path });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fd = openSync(path, 'w+');
    }
    return new AckCursor(path, fd, initial, logger);
  }

  write(seq: number): void {
    this.line.write(String(seq).padStart(WIDTH, '0'), 0, 'latin1');
    try {
      writeSync(this.fd, this.line, 0, this.line.length, 0);
      this.dirty = true;
      this.failing = false;
    } catch (err) {
      // The next write carries the newer value; until then a restart resends a little more.
      if (!this.failing) this.logger.error('usage spool: could not write the acknowledgement cursor', { file: this.path, error: err });
      this.failing = true;
    }
  }

  sync(): void {
    if (!this.dirty || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    fdatasync(this.fd, () => {
      this.syncing = false;
    });
  }

  close(): void {
    try {
      if (this.dirty) fdatasyncSync(this.fd);
      closeSync(this.fd);
    } catch (err) {
      this.logger.error('usage spool: could not flush the acknowledgement cursor', { file: this.path, error: err });
    }
  }
}
