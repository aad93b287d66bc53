import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';

/** Another live data plane holds the spool directory. */
export class SpoolLockedError extends Error {
  override readonly name = 'SpoolLockedError';
}

/** How often the holder touches the lock file; a lock from another host untouched for LOCK_STALE_MS is stale. */
const HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 3 * HEARTBEAT_MS;

/** Directories locked by this process: a pid check cannot tell two spools of one process apart. */
const heldHere = new Set<string>();

interface Holder {
  pid: number;
  host: string;
  /** The holder's start time (Linux `/proc/<pid>/stat`), so a pid reused after a reboot is not taken for it. */
  start: string | null;
}

/**
 * `<dir>/lock`: one data plane per spool directory, since two would ship, acknowledge and delete each other's
 * segments. The file names its holder (pid, host, process start time). A lock whose holder is gone is taken over:
 *
 * - same host: the pid is dead, or alive with another start time (reused), or is our own pid (a container's data
 *   plane is pid 1 on every start);
 * - another host (a shared volume; a container recreated under a new hostname): pids mean nothing there, so the
 *   holder touches the file every 10 s and a lock untouched for 30 s is stale.
 *
 * The file is created complete (written aside, then hard-linked into place), so a reader never sees it half
 * written. Two processes taking over the same stale lock in the same instant could both succeed; one start in the
 * same moment as another on one directory is not a case worth a kernel lock here.
 */
export class SpoolLock {
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly dir: string,
    private readonly path: string,
    private readonly content: string,
    private readonly logger: Logger,
  ) {
    this.heartbeat = setInterval(() => this.touch(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  static acquire(directory: string, logger: Logger): SpoolLock {
    const dir = resolve(directory);
    const path = join(dir, 'lock');
    if (heldHere.has(dir)) throw new SpoolLockedError(`usage spool ${dir} is already in use by this process`);
    const me: Holder = { pid: process.pid, host: hostname(), start: processStart(process.pid) };
    const content = JSON.stringify(me);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (create(path, content)) {
        heldHere.add(dir);
        return new SpoolLock(dir, path, content, logger);
      }
      const holder = readHolder(path);
      if (holder && isLive(holder, path, me)) {
        throw new SpoolLockedError(
          `usage spool ${dir} is in use by another data plane (pid ${holder.pid} on ${holder.host}); give each data plane its own TOLLGATE_SPOOL_DIR`,
        );
      }
      logger.warn('usage spool: taking over the lock of a data plane that is gone', { dir, holder: holder ?? 'unreadable' });
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new SpoolLockedError(`usage spool ${dir}: another process took the lock while this one was taking over a stale one`);
  }

  release(): void {
    clearInterval(this.heartbeat);
    heldHere.delete(this.dir);
    try {
      // Only our own lock: had it been taken over (we looked dead), the new holder's stays.
      if (readFileSync(this.path, 'utf8') === this.content) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }

  private touch(): void {
    try {
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch (err) {
      this.logger.error('usage spool: could not touch the lock file', { file: this.path, error: err });
    }
  }
}

/** Creates `path` with `content`, complete, unless it exists. */
function create(path: string, content: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(aside, content);
  try {
    linkSync(aside, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(aside);
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    if (typeof holder.pid !== 'number' || typeof holder.host !== 'string') return undefined;
    return { pid: holder.pid, host: holder.host, start: typeof holder.start === 'string' ? holder.start : null };
  } catch {
    return undefined;
  }
}

function isLive(holder: Holder, path: string, me: Holder): boolean {
  if (holder.host !== me.host) {
    try {
      return Date.now() - statSync(path).mtimeMs < LOCK_STALE_MS;
    } catch {
      return false;
    }
  }
  if (holder.pid === me.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: alive, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = processStat(holder.pid);
  // A zombie has exited (killed, crashed) and only waits for its parent to reap it: a restart right after a crash takes
  // over its lock rather than refusing to start.
  if (stat?.state === 'Z') return false;
  const start = stat?.start ?? null;
  return holder.start === null || start === null || start === holder.start;
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot); null where there is no procfs. */
function processStart(pid: number): string | null {
  return processStat(pid)?.start ?? null;
}

/** Fields 3 (state: `R`, `S`, `Z` for a zombie, …) and 22 (start time) of `/proc/<pid>/stat`; undefined without procfs. */
function processStat(pid: number): { state: string; start: string | null } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', start: fields[19] ?? null };
  } catch {
    return undefined;
  }
}
