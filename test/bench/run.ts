/**
 * `npm run bench`: Tollgate's data plane against the same upstream called directly, in one run, alternating the
 * order. The data plane is pinned to core 0; this process (load client + upstream) and the control plane to core
 * 1, so figures compare across runs. Figures are reported as differences and ratios against the direct baseline.
 *
 * Needs wrk (Debian package `wrk`) for the plain-request load.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { admin } from '../src/admin.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess } from '../src/processes.js';
import { percentile, sortedCopy, table } from './stats.js';
import { STREAM_CHUNKS, startBenchUpstream } from './upstream.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCIES = [1, 16, 64];
const CLK_TCK = 100;

interface Target {
  name: 'direct' | 'gateway';
  url: string;
  headers: Record<string, string>;
  pid?: number;
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  cpuMsPerRequest?: number;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

function requireWrk(): void {
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

async function load(target: Target, body: string, connections: number): Promise<LoadResult> {
  const before = target.pid ? cpuTicks(target.pid) : 0;
  let result: LoadResult;
  {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
    const script = join(dir, 'post.lua');
    const headers = Object.entries({ ...target.headers, 'Content-Type': 'application/json' })
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join('\n');
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n${headers}\n`);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${DURATION_S}s`, '--latency', '-s', script, target.url]);
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
    });
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    result = {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
      p50: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
      p99: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
      requests,
      errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((n, v) => n + Number(v), 0) : 0),
    };
  }
  if (target.pid) result.cpuMsPerRequest = (((cpuTicks(target.pid) - before) / CLK_TCK) * 1000) / Math.max(1, result.requests);
  return result;
}

interface StreamResult {
  ttft: number[];
  total: number[];
  completed: number;
  chunksOk: number;
  durationS: number;
}

async function oneStream(target: Target, body: string): Promise<{ ttft: number; total: number; chunks: number }> {
  const start = performance.now();
  const res = await request(target.url, { method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body });
  let ttft = Number.NaN;
  let text = '';
  for await (const chunk of res.body) {
    const piece = (chunk as Buffer).toString('utf8');
    if (Number.isNaN(ttft) && piece.includes('"content":"tok')) ttft = performance.now() - start;
    text += piece;
  }
  const chunks = text.split('"content":"tok').length - 1;
  return { ttft, total: performance.now() - start, chunks };
}

async function streams(target: Target, body: string, opts: { count?: number; seconds?: number; concurrency: number }): Promise<StreamResult> {
  const result: StreamResult = { ttft: [], total: [], completed: 0, chunksOk: 0, durationS: 0 };
  const start = performance.now();
  const deadline = opts.seconds !== undefined ? start + opts.seconds * 1000 : Number.POSITIVE_INFINITY;
  let remaining = opts.count ?? Number.POSITIVE_INFINITY;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (remaining-- > 0 && performance.now() < deadline) {
        const r = await oneStream(target, body);
        result.ttft.push(r.ttft);
        result.total.push(r.total);
        result.completed++;
        if (r.chunks === STREAM_CHUNKS) result.chunksOk++;
      }
    }),
  );
  result.durationS = (performance.now() - start) / 1000;
  return result;
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function main(): Promise<void> {
  requireWrk();
  let pgUrl = process.env.TOLLGATE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  let stopPg: (() => Promise<void>) | undefined;
  if (!(await canConnect(pgUrl))) {
    const pg = await startEmbeddedPostgres();
    pgUrl = pg.url;
    stopPg = pg.stop;
  }
  const db = await createDatabase(pgUrl, 'tollgate_bench');
  const upstream = await startBenchUpstream();
  const cp = await startControlPlaneProcess({ databaseUrl: db.url });
  const api = admin(cp.graphqlUrl, cp.masterKey);
  await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
    i: { name: 'bench-gpt', provider: 'openai_compatible', providerModel: 'bench-upstream', apiBase: `http://127.0.0.1:${upstream.port}/v1`, inputCostPerMillion: 1, outputCostPerMillion: 2 },
  });
  const key = await api.createKey({ alias: 'bench' });
  const dp = await startDataPlaneProcess({ controlPlane: cp, cpus: '0', env: { TOLLGATE_USAGE_FLUSH_MS: '250' } });

  const direct: Target = { name: 'direct', url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`, headers: {} };
  const gateway: Target = { name: 'gateway', url: `${dp.baseUrl}/v1/chat/completions`, headers: { Authorization: `Bearer ${key.key}` }, pid: dp.process.child.pid! };
  const plainBody = JSON.stringify({ model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] });
  const streamBody = (gap: number) => JSON.stringify({ model: 'bench-gpt', stream: true, bench_gap_ms: gap, messages: [{ role: 'user', content: 'Count.' }] });

  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  console.log(`Tollgate benchmark: ${new Date().toISOString()}, node ${process.version}, ${cpuInfo}`);
  console.log(`data plane pinned to core 0 (pid ${gateway.pid}); load client, upstream and control plane on core 1; load tool: wrk; ${DURATION_S}s per run, ${ROUNDS} rounds, alternating order\n`);

  // Warm up both paths (JIT, keep-alive pools).
  await load(direct, plainBody, 16);
  await load(gateway, plainBody, 16);

  const plainRows: string[][] = [];
  const summary: Record<string, unknown> = {};
  for (const c of CONCURRENCIES) {
    const runs: Record<'direct' | 'gateway', LoadResult[]> = { direct: [], gateway: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [direct, gateway] : [gateway, direct];
      for (const t of order) runs[t.name].push(await load(t, plainBody, c));
    }
    const mid = (rs: LoadResult[], k: keyof LoadResult) => percentile(sortedCopy(rs.map((r) => r[k] as number)), 50);
    const d = { rps: mid(runs.direct, 'rps'), p50: mid(runs.direct, 'p50'), p99: mid(runs.direct, 'p99') };
    const g = { rps: mid(runs.gateway, 'rps'), p50: mid(runs.gateway, 'p50'), p99: mid(runs.gateway, 'p99'), cpu: mid(runs.gateway, 'cpuMsPerRequest') };
    const errors = [...runs.direct, ...runs.gateway].reduce((n, r) => n + r.errors, 0);
    plainRows.push([
      String(c), f(d.rps, 0), f(g.rps, 0), f(g.rps / d.rps), f(d.p50, 3), f(g.p50, 3), f(g.p50 - d.p50, 3), f(d.p99, 3), f(g.p99, 3), f(g.p99 / g.p50, 1), f(g.cpu, 4), String(errors),
    ]);
    summary[`plain_c${c}`] = { direct: d, gateway: g, errors };
  }
  console.log('Non-streaming chat completions (latency in ms; CPU = data-plane CPU time per request)');
  console.log(table(['conc', 'direct rps', 'gw rps', 'gw/direct', 'direct p50', 'gw p50', 'added p50', 'direct p99', 'gw p99', 'gw p99/p50', 'gw CPU ms/req', 'errors'], plainRows));

  // Streams with 10 ms between chunks: time to first token and total time.
  const gapRuns: Record<'direct' | 'gateway', StreamResult[]> = { direct: [], gateway: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [direct, gateway] : [gateway, direct];
    for (const t of order) gapRuns[t.name].push(await streams(t, streamBody(10), { count: 100, concurrency: 10 }));
  }
  const merged = (rs: StreamResult[]) => ({ ttft: sortedCopy(rs.flatMap((r) => r.ttft)), total: sortedCopy(rs.flatMap((r) => r.total)), completed: rs.reduce((n, r) => n + r.completed, 0), chunksOk: rs.reduce((n, r) => n + r.chunksOk, 0) });
  const gd = merged(gapRuns.direct);
  const gg = merged(gapRuns.gateway);
  // Zero-gap streams: throughput.
  const zeroRuns: Record<'direct' | 'gateway', StreamResult[]> = { direct: [], gateway: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [direct, gateway] : [gateway, direct];
    for (const t of order) zeroRuns[t.name].push(await streams(t, streamBody(0), { seconds: DURATION_S, concurrency: 16 }));
  }
  const rate = (rs: StreamResult[]) => percentile(sortedCopy(rs.map((r) => r.completed / r.durationS)), 50);
  const zd = rate(zeroRuns.direct);
  const zg = rate(zeroRuns.gateway);
  const zeroOk = [...zeroRuns.direct, ...zeroRuns.gateway].every((r) => r.chunksOk === r.completed);

  console.log(`\nStreaming, ${STREAM_CHUNKS} chunks (ms)`);
  console.log(table(['case', 'direct', 'gateway', 'added / ratio'], [
    ['10 ms gaps: TTFT p50', f(percentile(gd.ttft, 50), 3), f(percentile(gg.ttft, 50), 3), f(percentile(gg.ttft, 50) - percentile(gd.ttft, 50), 3)],
    ['10 ms gaps: TTFT p99', f(percentile(gd.ttft, 99), 3), f(percentile(gg.ttft, 99), 3), f(percentile(gg.ttft, 99) - percentile(gd.ttft, 99), 3)],
    ['10 ms gaps: total p50', f(percentile(gd.total, 50), 1), f(percentile(gg.total, 50), 1), f(percentile(gg.total, 50) - percentile(gd.total, 50), 3)],
    ['10 ms gaps: all chunks delivered', `${gd.chunksOk}/${gd.completed}`, `${gg.chunksOk}/${gg.completed}`, ''],
    ['0 ms gaps: streams/s (c=16)', f(zd, 0), f(zg, 0), f(zg / zd)],
    ['0 ms gaps: all chunks delivered', '', '', zeroOk ? 'yes' : 'NO'],
  ]));
  const rss = peakRssMb(gateway.pid!);
  console.log(`\nData plane peak RSS: ${f(rss, 1)} MB`);
  summary.streaming = { ttftAddedP50: percentile(gg.ttft, 50) - percentile(gd.ttft, 50), ttftAddedP99: percentile(gg.ttft, 99) - percentile(gd.ttft, 99), zeroGapRatio: zg / zd, zeroGapDirect: zd, zeroGapGateway: zg };
  summary.peakRssMb = rss;
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));

  await dp.process.stop();
  await cp.process.stop();
  upstream.close();
  await db.drop();
  await stopPg?.();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
