import { execFileSync, spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Target } from './stack.js';
import { monotonicMs, STREAM_CHUNKS, upstreamMarks } from './upstream.js';

const CLK_TCK = 100;

/** User + system CPU time of a process so far, in ms (from /proc; Linux clock ticks are 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
}

/** Resident set size now (VmRSS) and its peak so far (VmHWM), in MB. */
export function rssMb(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  const kb = (name: string) => Number(status.find((l) => l.startsWith(name))!.replace(/\D+/g, ''));
  return { now: kb('VmRSS:') / 1024, peak: kb('VmHWM:') / 1024 };
}

export function requireWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    // `wrk --version` exits 1 when it exists; ENOENT means it is not installed.
    if ((err as { code?: string }).code === 'ENOENT') {
      console.error('npm run bench needs wrk: apt-get install wrk');
      process.exit(1);
    }
  }
}

const toMs = (value: string): number => {
  const m = /([\d.]+)(us|ms|s)/.exec(value);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
};

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  p90: number;
  max: number;
  requests: number;
  errors: number;
  /** Responses whose body did not hold everything expected (streams: all content chunks and [DONE]). */
  incomplete: number;
  /** Data-plane CPU time per request (gateway only). */
  cpuMsPerRequest?: number;
}

/**
 * Closed-loop load with wrk (C, one thread): `connections` keep-alive connections each sending `body` back to back
 * for `seconds`. With `expectChunks` the Lua script checks every response body holds that many content chunks and
 * `[DONE]` (a streamed answer counted only when complete); wrk reads chunked responses to the end either way.
 */
export async function wrkLoad(target: Target, body: string, connections: number, seconds: number, expectChunks?: number): Promise<LoadResult> {
  const before = target.pid ? cpuMs(target.pid) : 0;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const script = join(dir, 'post.lua');
  const headers = Object.entries({ ...target.headers, 'Content-Type': 'application/json' })
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  const check =
    expectChunks === undefined
      ? ''
      : `
local incomplete = 0
function response(status, headers, body)
  local n = 0
  local i = 1
  while true do
    local s, e = string.find(body, '"content":"tok', i, true)
    if s == nil then break end
    n = n + 1
    i = e + 1
  end
  if n ~= ${expectChunks} or string.find(body, 'data: [DONE]', 1, true) == nil then incomplete = incomplete + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("incomplete: %d\\n", incomplete))
end
`;
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n${headers}\n${check}`);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, target.url]);
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  });
  rmSync(dir, { recursive: true, force: true });
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const result: LoadResult = {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p90: toMs(/\s90%\s+(\S+)/.exec(out)?.[1] ?? ''),
    max: toMs(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? ''),
    requests,
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((n, v) => n + Number(v), 0) : 0),
    incomplete: Number(/incomplete: (\d+)/.exec(out)?.[1] ?? 0),
  };
  if (target.pid) result.cpuMsPerRequest = (cpuMs(target.pid) - before) / Math.max(1, result.requests);
  return result;
}

export interface StreamResult {
  ttft: number[];
  /** Of the time to first token: the request's way in (client's send → the upstream has it). */
  requestLeg: number[];
  /**
   * The part of the way in that is the load client's own: `request()` → undici writes the request to the socket (its
   * check-phase hop on a reused connection, behind whatever else the client's loop has to do).
   */
  clientLeg: number[];
  /** And the first content chunk's way out (the upstream writes it → the client has it). */
  chunkLeg: number[];
  total: number[];
  completed: number;
  /** Streams that delivered every content chunk and `[DONE]`. */
  chunksOk: number;
  /** Streams that failed outright (counted in `completed`, not in `chunksOk`), with why: reported, not fatal to the run. */
  failures: string[];
  durationS: number;
  cpuMsPerStream?: number;
}

const CONTENT = Buffer.from('"content":"tok');
const DONE = Buffer.from('data: [DONE]');
/** Bytes carried from one read to the next: one less than the longest needle. */
const NEEDLE_TAIL = Math.max(CONTENT.length, DONE.length) - 1;
/**
 * Idle connections are let go after 4 s: every server the bench talks to closes an idle one sooner than 30 s (uWS, the
 * gateway's and the bare pass-through's, after 10 s; the upstream's Node server after 5 s), and a request sent on a
 * connection in the instant its server closes it fails ("other side closed": seen once in a whole run with 30 s).
 */
const clientAgent = new Agent({ connections: 64, keepAliveTimeout: 4_000 });

/** Occurrences of `needle` in `hay` from `from`. */
function count(hay: Buffer, needle: Buffer, from = 0): number {
  let n = 0;
  for (let i = hay.indexOf(needle, from); i !== -1; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * One streamed request with undici, timing the first content chunk and the end. Chunks are counted by byte search
 * on the raw reads (a needle split across two reads is found in the small carried tail), so the client does not
 * decode or copy the stream.
 */
async function oneStream(target: Target, body: string): Promise<{ ttft: number; total: number; chunks: number; done: boolean; id: string; sentAt: number; firstReadAt: number }> {
  const id = String(++streamIds);
  // Marked for the bench upstream (see `upstreamMarks`); the gateway forwards the unknown field.
  body = `{"bench_id":"${id}",${body.slice(1)}`;
  const sentAt = monotonicMs();
  const start = performance.now();
  let firstRead = Number.NaN;
  let firstReadAt = Number.NaN;
  const res = await request(target.url, { method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body, dispatcher: clientAgent });
  let ttft = Number.NaN;
  let chunks = 0;
  let done = false;
  let tail: Buffer | undefined;
  for await (const raw of res.body) {
    const chunk = raw as Buffer;
    let n = count(chunk, CONTENT);
    if (!done && chunk.indexOf(DONE) !== -1) done = true;
    if (tail) {
      // A needle split across two reads: neither side alone is long enough to hold it, so none is counted twice.
      const joint = Buffer.concat([tail, chunk.subarray(0, NEEDLE_TAIL)]);
      n += count(joint, CONTENT);
      if (!done && joint.indexOf(DONE) !== -1) done = true;
    }
    if (n > 0 && Number.isNaN(ttft)) {
      firstRead = performance.now();
      firstReadAt = monotonicMs();
      ttft = firstRead - start;
    }
    chunks += n;
    const recent = chunk.length >= NEEDLE_TAIL || !tail ? chunk : Buffer.concat([tail, chunk]);
    tail = recent.subarray(Math.max(0, recent.length - NEEDLE_TAIL));
  }
  const total = performance.now() - start;
  return { ttft, total, chunks, done, id, sentAt, firstReadAt };
}
let streamIds = 0;

/** When undici wrote each marked stream request to its socket (`monotonicMs()`), by `bench_id`. */
const socketWrites = new Map<string, number>();
const BENCH_ID = /^\{"bench_id":"(\w+)"/;
diagnostics.subscribe('undici:client:sendHeaders', (message) => {
  const body = (message as { request: { body?: unknown } }).request.body;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return;
  const id = BENCH_ID.exec(typeof body === 'string' ? body.slice(0, 40) : body.toString('latin1', 0, 40))?.[1];
  if (id !== undefined) socketWrites.set(id, monotonicMs());
});

/** Where the upstream's marks are when it runs in a process of its own (`GET /bench/marks`); unset: this process's. */
let remoteMarks: string | undefined;

export function useRemoteMarks(url: string | undefined): void {
  remoteMarks = url;
}

/** The upstream's marks of the streams that ended (taken: each is read once). */
async function takeMarks(): Promise<Map<string, { received: number; firstContent: number }>> {
  if (remoteMarks === undefined) {
    const marks = new Map(upstreamMarks);
    upstreamMarks.clear();
    return marks;
  }
  const res = await request(remoteMarks, { dispatcher: clientAgent });
  return new Map(Object.entries((await res.body.json()) as Record<string, { received: number; firstContent: number }>));
}

/**
 * `concurrency` loops of streamed requests, for `count` streams in all or for `seconds`. `staggerMs` spreads the
 * loops' first requests evenly over that many milliseconds: streams of equal length that start together stay in
 * lockstep, so with gaps between chunks every stream's chunk arrives in the same burst and the last of each burst
 * waits for the others (queueing that independent clients do not cause, and that swamps a proxy's own delay).
 */
export async function streamLoad(target: Target, body: string, opts: { count?: number; seconds?: number; concurrency: number; staggerMs?: number }): Promise<StreamResult> {
  const result: StreamResult = { ttft: [], requestLeg: [], clientLeg: [], chunkLeg: [], total: [], completed: 0, chunksOk: 0, failures: [], durationS: 0 };
  const before = target.pid ? cpuMs(target.pid) : 0;
  const start = performance.now();
  const deadline = opts.seconds !== undefined ? start + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  let remaining = opts.count ?? Number.POSITIVE_INFINITY;
  const legs: Array<{ id: string; sentAt: number; firstReadAt: number }> = [];
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, loop) => {
      if (opts.staggerMs) await sleep((loop * opts.staggerMs) / opts.concurrency);
      while (remaining-- > 0 && performance.now() < deadline) {
        let r: Awaited<ReturnType<typeof oneStream>>;
        try {
          r = await oneStream(target, body);
        } catch (err) {
          result.completed++;
          result.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
          continue;
        }
        result.ttft.push(r.ttft);
        legs.push(r);
        result.total.push(r.total);
        result.completed++;
        if (r.chunks === STREAM_CHUNKS && r.done) result.chunksOk++;
      }
    }),
  );
  result.durationS = (performance.now() - start) / 1000;
  if (target.pid) result.cpuMsPerStream = (cpuMs(target.pid) - before) / Math.max(1, result.completed);
  // After the load, so that fetching the marks (upstream in its own process) does not disturb it.
  const marks = await takeMarks();
  for (const leg of legs) {
    const mark = marks.get(leg.id);
    result.requestLeg.push(mark ? mark.received - leg.sentAt : Number.NaN);
    const written = socketWrites.get(leg.id);
    socketWrites.delete(leg.id);
    result.clientLeg.push(written !== undefined ? written - leg.sentAt : Number.NaN);
    result.chunkLeg.push(mark ? leg.firstReadAt - mark.firstContent : Number.NaN);
  }
  return result;
}

export interface OpenLoopResult {
  /** Latency from each request's scheduled send time to its answer, sorted (ms). */
  latencies: number[];
  errors: number;
  /** Requests answered per second over the run. */
  achievedRps: number;
  cpuMsPerRequest?: number;
}

/**
 * Open-loop load: requests are sent at a fixed rate, `rps`, whatever the answers do, over a pool of `connections`,
 * and each latency is measured from when the request was due, not from when a free connection took it, so queueing
 * shows up in the figures instead of slowing the load (no coordinated omission). Below the gateway's capacity this is
 * what the gateway adds to one request at that load; wrk's closed loop instead keeps the gateway's core saturated,
 * where any added CPU time shows up multiplied by the concurrency.
 */
export async function openLoopLoad(target: Target, body: string, opts: { rps: number; connections: number; seconds: number }): Promise<OpenLoopResult> {
  const pool = new Agent({ connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(opts.rps * opts.seconds);
  const interval = 1000 / opts.rps;
  const before = target.pid ? cpuMs(target.pid) : 0;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const send = (due: number): Promise<void> =>
    request(target.url, { method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body, dispatcher: pool })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
        else latencies.push(performance.now() - due);
      })
      .catch(() => {
        errors++;
      });
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Everything due by now goes out; then wait for the next one (timers are ~1 ms coarse: a few go together).
    while (sent < total && start + sent * interval <= now) inFlight.push(send(start + sent++ * interval));
    const next = start + sent * interval - performance.now();
    if (next > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(next))));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    latencies,
    errors,
    achievedRps: latencies.length / elapsedS,
    ...(target.pid && { cpuMsPerRequest: (cpuMs(target.pid) - before) / Math.max(1, latencies.length + errors) }),
  };
}
