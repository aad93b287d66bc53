import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import type { SpoolChildPlan } from '../test-support/spool-child.js';
import type { EventBlock } from './event-block.js';
import { segmentName } from './segment.js';
import { EventSpool, type SpoolOptions } from './spool.js';
import { SpoolLockedError } from './spool-lock.js';

const here = dirname(fileURLToPath(import.meta.url));
const event = (i: number, extra = '') => JSON.stringify({ requestId: `req-${i}`, n: i, note: extra });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const numbers = (block: EventBlock) => (JSON.parse(`[${block.bytes.toString('utf8')}]`) as Array<{ n: number }>).map((e) => e.n);

/** A logger that keeps what it was told, by level. */
function recordingLogger() {
  const lines: Array<{ level: keyof Logger; message: string; fields: Record<string, unknown> | undefined }> = [];
  const at = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines, messages: (level: keyof Logger) => lines.filter((l) => l.level === level).map((l) => l.message) };
}

const dirs: string[] = [];
const spools: EventSpool[] = [];
afterEach(() => {
  for (const spool of spools.splice(0)) spool.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-spool-'));
  dirs.push(dir);
  return dir;
}

function open(options: SpoolOptions & { logger?: Logger } = {}): EventSpool {
  const spool = EventSpool.open({ logger: recordingLogger().logger, ...options });
  spools.push(spool);
  return spool;
}

/** Takes every waiting event in blocks of up to `n`, acknowledging each block; returns their numbers. */
function drain(spool: EventSpool, n = 1_000): number[] {
  const out: number[] = [];
  for (let block = spool.take(n); block; block = spool.take(n)) {
    out.push(...numbers(block));
    spool.acknowledge(spool.takenUpTo);
  }
  return out;
}

const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort();

/** Runs a spool in a child process that ends by SIGKILL (`kill`) or keeps running, holding the lock (`hold`). */
async function child(dir: string, plan: SpoolChildPlan) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, '../test-support/spool-child.ts'), dir, JSON.stringify(plan)], {
    cwd: join(here, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    void exited.then(() => reject(new Error(`spool child exited before it was ready:\n${output}`)));
  });
  return { pid: proc.pid!, exited, kill: () => proc.kill('SIGKILL') };
}

describe.each([
  ['in memory', () => undefined],
  ['on disk', () => tempDir()],
])('EventSpool %s', (_where, dir) => {
  it('gives back events in order as blocks that are JSON array contents, with request ids and sequence numbers', () => {
    const spool = open({ dir: dir() });
    for (let i = 0; i < 5; i++) spool.append(event(i, 'ünïcødé "quoted"'));
    expect(spool.size).toBe(5);
    const a = spool.take(3)!;
    expect(numbers(a)).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((i) => a.requestId(i))).toEqual(['req-0', 'req-1', 'req-2']);
    expect([0, 1, 2].map((i) => a.seq(i))).toEqual([0, 1, 2]);
    expect(JSON.parse(a.event(1).toString('utf8'))).toMatchObject({ n: 1, note: 'ünïcødé "quoted"' });
    expect(spool.size).toBe(2);
    const b = spool.take(10)!;
    expect(numbers(b)).toEqual([3, 4]);
    expect(b.seq(0)).toBe(3);
    expect(spool.size).toBe(0);
    expect(spool.take(1)).toBeUndefined();
  });

  it('cuts blocks at segment boundaries, takes events bigger than a segment, and loses none in between', () => {
    const spool = open({ dir: dir(), segmentBytes: 64 * 1024 });
    const big = 'x'.repeat(3_000);
    for (let i = 0; i < 300; i++) spool.append(event(i, big)); // ~900 KB: many segments
    spool.append(event(300, 'y'.repeat(400_000)));
    let n = 0;
    for (let block = spool.take(70); block; block = spool.take(70)) {
      expect(numbers(block)).toEqual(range(n, n + block.count));
      for (let k = 0; k < block.count; k++) expect(block.requestId(k)).toBe(`req-${n + k}`);
      n += block.count;
    }
    expect(n).toBe(301);
  });

  it('frames a taken block in the same buffer', () => {
    const spool = open({ dir: dir() });
    for (let i = 0; i < 3; i++) spool.append(event(i));
    const [prefix, suffix] = [Buffer.from('{"events":['), Buffer.from(']}')];
    const block = spool.take(3, prefix, suffix)!;
    const body = block.frame(prefix, suffix);
    expect(body).toBe(block.framed);
    expect((JSON.parse(body.toString('utf8')) as { events: Array<{ n: number }> }).events.map((e) => e.n)).toEqual([0, 1, 2]);
  });

  it('keeps appending and taking in any interleaving, acknowledged or not', async () => {
    const spool = open({ dir: dir(), segmentBytes: 2_048 });
    const taken: number[] = [];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      for (let k = 0; k < round % 7; k++) spool.append(event(next++));
      const block = spool.take(round % 5);
      if (block) taken.push(...numbers(block));
      if (round % 3 === 0) spool.acknowledge(spool.takenUpTo);
      if (round % 4 === 0) await nextTurn();
    }
    taken.push(...drain(spool));
    expect(taken).toEqual(range(0, next));
  });

  it('drops the oldest segments beyond maxBytes, logs it and counts it, never what was taken', async () => {
    const { logger, lines } = recordingLogger();
    // Events of ~100 bytes, five a turn; 4 KiB of them, in 1 KiB segments.
    const spool = open({ dir: dir(), maxBytes: 4_096, segmentBytes: 1_024, logger });
    for (let i = 0; i < 10; i++) spool.append(event(i, 'z'.repeat(60)));
    const inFlight = spool.take(5)!;
    for (let i = 10; i < 200; i++) {
      spool.append(event(i, 'z'.repeat(60)));
      if (i % 5 === 4) await nextTurn();
    }
    expect(numbers(inFlight)).toEqual(range(0, 5));
    const kept = drain(spool);
    expect(spool.dropped).toBeGreaterThan(150);
    expect(kept.length).toBeGreaterThan(20);
    expect(kept).toHaveLength(195 - spool.dropped);
    // The newest survive, in order.
    expect(kept).toEqual(range(200 - kept.length, 200));
    const drops = lines.filter((l) => l.level === 'error' && l.message.includes('dropped the oldest'));
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.at(-1)!.fields).toMatchObject({ totalDropped: spool.dropped, maxBytes: 4_096 });
  });
});

describe('EventSpool on disk', () => {
  it('writes the events of one event-loop turn with one write at its end, and before any is taken', async () => {
    const dir = tempDir();
    const spool = open({ dir });
    for (let i = 0; i < 100; i++) spool.append(event(i));
    // Nothing written yet: the turn is not over.
    expect(segmentFiles(dir)).toEqual([]);
    await nextTurn();
    const [file] = segmentFiles(dir);
    const lines = readFileSync(join(dir, file!), 'utf8').split('\n');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual(range(0, 100));
    spool.append(event(100));
    const block = spool.take(200)!;
    expect(block.count).toBe(101);
    expect(readFileSync(join(dir, file!), 'utf8').trimEnd().split('\n')).toHaveLength(101);
  });

  it('after a restart sends what was not acknowledged, first and in order, and nothing that was', () => {
    const dir = tempDir();
    const a = open({ dir });
    for (let i = 0; i < 10; i++) a.append(event(i));
    a.take(4);
    a.acknowledge(a.takenUpTo);
    // Taken (sent) but not acknowledged: these come back too.
    a.take(2);
    a.close();
    const { logger, messages } = recordingLogger();
    const b = open({ dir, logger });
    expect(messages('info').some((m) => m.includes('previous run left unacknowledged'))).toBe(true);
    expect(b.size).toBe(6);
    b.append(event(10));
    expect(drain(b, 3)).toEqual(range(4, 11));
    b.close();
    expect(drain(open({ dir }))).toEqual([]);
  });

  it('sends nothing again after a restart once everything was acknowledged, and keeps no segment', () => {
    const dir = tempDir();
    const a = open({ dir, segmentBytes: 1_024 });
    for (let i = 0; i < 50; i++) a.append(event(i, 'q'.repeat(50)));
    expect(drain(a, 7)).toEqual(range(0, 50));
    a.close();
    const b = open({ dir, segmentBytes: 1_024 });
    expect(b.size).toBe(0);
    expect(b.take(100)).toBeUndefined();
    expect(segmentFiles(dir)).toEqual([]);
    b.append(event(50));
    expect(drain(b)).toEqual([50]);
  });

  it('deletes segments as they are wholly acknowledged and resumes a partly acknowledged one at the cursor', async () => {
    const dir = tempDir();
    const a = open({ dir, segmentBytes: 1_024 });
    // A turn's events go to one segment in one write; a segment is full once it holds the segment size.
    for (let i = 0; i < 60; i++) {
      a.append(event(i, 'p'.repeat(50)));
      if (i % 4 === 3) await nextTurn();
    }
    const before = segmentFiles(dir);
    expect(before.length).toBeGreaterThan(4);
    const perSegment = before.map((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').length);
    // Acknowledge up to the middle of the third segment.
    const cut = perSegment[0]! + perSegment[1]! + Math.floor(perSegment[2]! / 2);
    a.take(cut + 5);
    a.acknowledge(cut);
    expect(segmentFiles(dir)).toEqual(before.slice(2));
    expect(segmentFiles(dir)[0]).toBe(segmentName(perSegment[0]! + perSegment[1]!));
    expect(readFileSync(join(dir, 'ack'), 'utf8')).toBe(`${String(cut).padStart(20, '0')}\n`);
    a.close();
    const b = open({ dir, segmentBytes: 1_024 });
    expect(drain(b, 4)).toEqual(range(cut, 60));
  });

  it('skips a truncated last line (and says so), and appends after it in a new segment', () => {
    const dir = tempDir();
    const a = open({ dir });
    for (let i = 0; i < 3; i++) a.append(event(i));
    a.close();
    const [file] = segmentFiles(dir);
    const torn = '{"requestId":"req-3","n":3,"no';
    appendFileSync(join(dir, file!), torn);
    const { logger, lines } = recordingLogger();
    const b = open({ dir, logger });
    expect(lines.find((l) => l.message.includes('truncated'))?.fields).toMatchObject({ file: join(dir, file!), bytes: torn.length });
    b.append(event(4));
    expect(drain(b)).toEqual([0, 1, 2, 4]);
  });

  it('skips and logs lines from a previous run that are not JSON, and sends the others', () => {
    const dir = tempDir();
    writeFileSync(join(dir, segmentName(0)), [event(0), '\0\0\0\0{"requestId":"req-1","n":1', event(2), ''].join('\n'));
    const { logger, lines } = recordingLogger();
    const spool = open({ dir, logger });
    const block = spool.take(10)!;
    expect(numbers(block)).toEqual([0, 2]);
    expect([block.seq(0), block.seq(1)]).toEqual([0, 2]);
    expect(lines.find((l) => l.message.includes('unreadable'))?.fields).toMatchObject({ count: 1 });
  });

  it('counts and logs the events of a segment that cannot be read, and goes on with the next', async () => {
    const dir = tempDir();
    const a = open({ dir, segmentBytes: 256 });
    for (let i = 0; i < 6; i++) {
      a.append(event(i, 'r'.repeat(100)));
      if (i % 2 === 1) await nextTurn();
    }
    a.close();
    const { logger, lines } = recordingLogger();
    const b = open({ dir, segmentBytes: 256, logger });
    const [first] = segmentFiles(dir);
    rmSync(join(dir, first!));
    expect(drain(b)).toEqual([2, 3, 4, 5]);
    expect(b.dropped).toBe(2);
    expect(lines.find((l) => l.message.includes('cannot read a segment'))?.fields).toMatchObject({ file: join(dir, first!), lost: 2 });
  });

  it('loses nothing written when the process is killed: the next start sends it, in order, after the cursor', async () => {
    const dir = tempDir();
    const json = (i: number) => event(i, 'k'.repeat(40));
    const proc = await child(dir, {
      segmentBytes: 1_024,
      turns: [{ append: range(0, 30).map(json) }, { take: 25, ack: 17 }, { append: range(30, 40).map(json) }],
      end: 'kill',
    });
    expect(await proc.exited).toBe('SIGKILL');
    const { logger, lines } = recordingLogger();
    const spool = open({ dir, segmentBytes: 1_024, logger });
    // Its lock names a dead process: taken over.
    expect(lines.find((l) => l.message.includes('taking over the lock'))?.fields).toMatchObject({ holder: { pid: proc.pid } });
    expect(drain(spool, 6)).toEqual(range(17, 40));
  });

  it('refuses a directory a live data plane holds, and takes it over once that one is gone', async () => {
    const dir = tempDir();
    const proc = await child(dir, { segmentBytes: 1_024, turns: [{ append: [event(0)] }], end: 'hold' });
    expect(() => open({ dir })).toThrow(SpoolLockedError);
    expect(() => open({ dir })).toThrow(new RegExp(`in use by another data plane \\(pid ${proc.pid} on .*TOLLGATE_SPOOL_DIR`));
    proc.kill();
    await proc.exited;
    expect(drain(open({ dir }))).toEqual([0]);
  });

  it('takes over the lock of a data plane killed but not yet reaped by its parent (a zombie), as a restart right after a crash', async () => {
    const dir = tempDir();
    const plan = JSON.stringify({ segmentBytes: 1_024, turns: [{ append: [event(0)] }], end: 'hold' });
    // `sleep` becomes the child's parent and never reaps it: killed, it stays a zombie until `sleep` is gone.
    const script = `"$0" --import tsx "$1" "$2" "$3" & echo "pid $!"; exec sleep 30`;
    const parent = spawn('sh', ['-c', script, process.execPath, join(here, '../test-support/spool-child.ts'), dir, plan], { cwd: join(here, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      const pid = await new Promise<number>((resolve) => {
        parent.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /pid (\d+)[\s\S]*ready/.exec(output);
          if (match) resolve(Number(match[1]));
        });
      });
      expect(() => open({ dir })).toThrow(SpoolLockedError);
      process.kill(pid, 'SIGKILL');
      await expect.poll(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.charAt(0)).toBe('Z');
      expect(drain(open({ dir }))).toEqual([0]);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('refuses a second spool on one directory in the same process until the first is closed', () => {
    const dir = tempDir();
    const a = open({ dir });
    expect(() => open({ dir: join(dir, '.') })).toThrow(/already in use by this process/);
    a.close();
    expect(open({ dir }).size).toBe(0);
  });

  it('takes over locks whose holder is gone: own pid (a restarted container), a reused pid, another host gone quiet', () => {
    const dir = tempDir();
    const lock = join(dir, 'lock');
    const stale = [
      { pid: process.pid, host: hostname(), start: null },
      // Our parent is alive, but started at another time than the lock says: a pid reused after a reboot.
      { pid: process.ppid, host: hostname(), start: '1' },
    ];
    for (const holder of stale) {
      writeFileSync(lock, JSON.stringify(holder));
      open({ dir }).close();
      expect(existsSync(lock)).toBe(false);
    }
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'another-host', start: null }));
    expect(() => open({ dir })).toThrow(/pid 1 on another-host/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    open({ dir }).close();
    // A lock file that is not ours at all (garbage) is taken over too.
    writeFileSync(lock, 'garbage');
    expect(open({ dir }).size).toBe(0);
  });

  it('keeps events in memory while the disk refuses writes, in order, and goes back to disk after', async () => {
    const dir = tempDir();
    const { logger, lines } = recordingLogger();
    const spool = open({ dir, logger, diskRetryMs: 50 });
    // The first segment file (first sequence number 0) is the full device: every write to it fails with ENOSPC.
    symlinkSync('/dev/full', join(dir, segmentName(0)));
    for (let i = 0; i < 3; i++) spool.append(event(i));
    await nextTurn();
    const failures = lines.filter((l) => l.level === 'error' && l.message.includes('cannot write to the spool directory'));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.fields).toMatchObject({ dir, error: expect.objectContaining({ code: 'ENOSPC' }) });
    // The failed segment is gone; the request path never saw an error.
    expect(existsSync(join(dir, segmentName(0)))).toBe(false);
    spool.append(event(3));
    await nextTurn();
    await new Promise((resolve) => setTimeout(resolve, 60));
    spool.append(event(4));
    await nextTurn();
    expect(lines.some((l) => l.level === 'info' && l.message.includes('takes writes again'))).toBe(true);
    expect(readFileSync(join(dir, segmentName(4)), 'utf8')).toBe(`${event(4)}\n`);
    expect(spool.take(2)!.count).toBe(2);
    spool.close();
    // What waited in memory (0 to 3, two of them sent but not acknowledged) did not survive the restart; what
    // reached the disk did.
    expect(lines.find((l) => l.message.includes('held in memory'))?.fields).toEqual({ count: 4 });
    expect(drain(open({ dir }))).toEqual([4]);
  });

  it('stays in memory for the whole run when the directory cannot be used, and says so', () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const { logger, lines } = recordingLogger();
    const spool = open({ dir: join(file, 'spool'), logger });
    expect(lines.find((l) => l.level === 'error')?.message).toMatch(/cannot use the spool directory.*kept in memory/);
    spool.append(event(0));
    expect(drain(spool)).toEqual([0]);
    spool.append(event(1));
    spool.close();
    expect(lines.find((l) => l.message.includes('held in memory'))?.fields).toEqual({ count: 1 });
  });
});
