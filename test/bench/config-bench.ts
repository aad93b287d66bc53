/**
 * `npm run bench:config`: config distribution at scale. With BENCH_KEYS keys (default 500,000) and BENCH_MODELS
 * model deployments (default 2,000) seeded into PostgreSQL with set-based SQL, it measures:
 *
 * 1. the control plane's snapshot: a bench subscriber takes the `gatewayConfig` subscription as a data plane does
 *    (same connection parameters) and times the first message and the complete snapshot, BENCH_SNAPSHOT_RUNS times;
 * 2. a data plane applying the full snapshot: the data plane starts behind a TCP gate (no config yet), its heap and
 *    RSS are read after a forced full GC (over the inspector protocol: the data plane gets no debug endpoint), the gate
 *    opens, and the time to readiness at the snapshot's version, the data plane's own timings (from its log) and the
 *    heap/RSS growth per key after another forced GC are recorded;
 * 3. propagation: BENCH_CHANGES mutations (a key created, then blocked, alternately) timed from the start of the
 *    mutation until the data plane accepts the new key or refuses the blocked one (polled with the key itself on
 *    GET /v1/models/{model}), p50/p99.
 *
 * The data plane is pinned to core 0; this process, the control plane (and PostgreSQL if the OS puts it there) to
 * core 1, as in `npm run bench`. Environment: BENCH_KEYS, BENCH_MODELS, BENCH_CHANGES (default 100),
 * BENCH_SNAPSHOT_RUNS (default 3), BENCH_APPLY_TIMEOUT_S (default 600), BENCH_JSON (write the figures there),
 * BENCH_DP_MAIN / BENCH_CP_MAIN (another build's entry points, for before/after figures), BENCH_DP_NODE_OPTIONS and
 * BENCH_CP_NODE_OPTIONS (e.g. `--require test/bench/cpu-profile.cjs` with BENCH_PROF_DIR for a CPU profile),
 * BENCH_DP_OUTPUT (write the data plane's output there once it is ready, e.g. for GC traces turned on by a
 * `--require`d script calling `v8.setFlagsFromString('--trace-gc')`: Node refuses --trace-gc in NODE_OPTIONS),
 * BENCH_KEEP_DB=1 (keep the database).
 * See docs/performance.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONFIG_FEATURES_PARAM, DATA_PLANE_CONFIG_FEATURES } from '@tollgate/schema';
import { admin } from '../src/admin.js';
import { freePort } from '../src/ports.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { repoRoot, spawnNode, startControlPlaneProcess, type ControlPlaneProcess, type ManagedProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { DEFAULT_SEED, seedConfig, seededModelName } from './config-seed.js';
import { receiveSnapshot, type SnapshotReceipt } from './config-subscriber.js';
import { Inspector } from './inspector.js';
import { rssMb } from './load.js';
import { percentile, sortedCopy, table } from './stats.js';
import { startTcpGate } from './tcp-gate.js';

const KEYS = Number(process.env.BENCH_KEYS ?? DEFAULT_SEED.keys);
const MODELS = Number(process.env.BENCH_MODELS ?? DEFAULT_SEED.models);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const SNAPSHOT_RUNS = Number(process.env.BENCH_SNAPSHOT_RUNS ?? 3);
/** How long the data plane may take to be ready at the snapshot's version. */
const APPLY_TIMEOUT_MS = Number(process.env.BENCH_APPLY_TIMEOUT_S ?? 600) * 1000;
const TARGETS = { propagationP99Ms: 100, bytesPerKey: 300, applyMs: 3_000 };

const f = (n: number | undefined, digits = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mb = (bytes: number) => bytes / 1024 / 1024;

/** The fields of every log line with `message` (both loggers print `[prefix: ]message {json}`), in order. */
function logLines(proc: ManagedProcess, message: string): Record<string, unknown>[] {
  return proc.text().split('\n').flatMap((line) => {
    const at = line.indexOf(message);
    if (at < 0 || (at > 0 && !line.slice(0, at).endsWith(': '))) return [];
    try {
      return [JSON.parse(line.slice(at + message.length).trim() || '{}') as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

const logFields = (proc: ManagedProcess, message: string) => logLines(proc, message).at(-1);
const logCount = (proc: ManagedProcess, message: string) => logLines(proc, message).length;

async function startGatedDataPlane(cp: ControlPlaneProcess, gatePort: number, inspectPort: number) {
  const port = await freePort();
  const proc = spawnNode('data-plane', process.env.BENCH_DP_MAIN ?? join(repoRoot, 'data-plane/dist/main.js'), {
    TOLLGATE_HOST: '127.0.0.1',
    TOLLGATE_PORT: String(port),
    TOLLGATE_CONTROL_PLANE_URL: `http://127.0.0.1:${gatePort}/graphql`,
    TOLLGATE_DATA_PLANE_TOKEN: cp.dataPlaneToken,
    TOLLGATE_USAGE_FLUSH_MS: '250',
    NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort} ${process.env.BENCH_DP_NODE_OPTIONS ?? ''}`.trim(),
  }, [], '0');
  const baseUrl = `http://127.0.0.1:${port}`;
  const configVersion = async (): Promise<number> => {
    try {
      const res = await fetch(`${baseUrl}/health/readiness`);
      const body = (await res.json()) as { configVersion?: number | null };
      return typeof body.configVersion === 'number' ? body.configVersion : -1;
    } catch {
      return -1;
    }
  };
  await waitFor(async () => {
    if (!proc.running) throw new Error(`data plane exited:\n${proc.text()}`);
    try {
      return (await fetch(`${baseUrl}/health/liveness`)).ok;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000, what: 'data plane liveness' });
  return { proc, baseUrl, configVersion };
}

/** Polls the data plane with `key` until it answers `status` for GET /v1/models/{model}; returns when it did. */
async function until(baseUrl: string, key: string, status: number, model: string, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const url = `${baseUrl}/v1/models/${model}`;
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    const now = performance.now();
    if (res.status === status) return now;
    if (now > deadline) throw new Error(`data plane still answers ${res.status}, not ${status}, after ${timeoutMs} ms`);
  }
}

async function main(): Promise<void> {
  let pgUrl = process.env.TOLLGATE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  let stopPg: (() => Promise<void>) | undefined;
  if (!(await canConnect(pgUrl))) {
    const pg = await startEmbeddedPostgres();
    pgUrl = pg.url;
    stopPg = pg.stop;
  }
  const db = await createDatabase(pgUrl, 'tollgate_cfgbench');
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const summary: Record<string, unknown> = { keys: KEYS, models: MODELS };
  const processes: ManagedProcess[] = [];
  try {
    const cp = await startControlPlaneProcess({
      databaseUrl: db.url,
      ...(process.env.BENCH_CP_MAIN && { main: process.env.BENCH_CP_MAIN }),
      ...(process.env.BENCH_CP_NODE_OPTIONS && { env: { NODE_OPTIONS: process.env.BENCH_CP_NODE_OPTIONS } }),
    });
    cleanups.push(() => cp.process.stop());
    processes.push(cp.process);
    console.log(`Config benchmark: ${new Date().toISOString()}, node ${process.version}; ${KEYS} keys, ${MODELS} models`);

    const seedStart = performance.now();
    await seedConfig(db.url, { ...DEFAULT_SEED, keys: KEYS, models: MODELS });
    console.log(`seeded in ${f((performance.now() - seedStart) / 1000, 1)} s`);
    const api = admin(cp.graphqlUrl, cp.masterKey);
    await waitFor(async () => (await api.configVersion()) >= 1, { what: 'seeded config version' });

    // 1. The control plane's snapshot, as a data plane receives it.
    const connectionParams = { authorization: `Bearer ${cp.dataPlaneToken}`, [CONFIG_FEATURES_PARAM]: DATA_PLANE_CONFIG_FEATURES };
    const receipts: SnapshotReceipt[] = [];
    for (let run = 0; run < SNAPSHOT_RUNS; run++) {
      const receipt = await receiveSnapshot(cp.wsUrl, connectionParams);
      receipts.push(receipt);
      console.log(`snapshot ${run + 1}: first message ${f(receipt.firstMessageMs)} ms, complete ${f(receipt.completeMs)} ms, ${receipt.messages} messages, ${f(mb(receipt.bytes), 1)} MB, ${receipt.keys} keys; control plane RSS ${f(rssMb(cp.process.child.pid!).now)} MB`);
    }
    if (receipts.some((r) => r.keys !== KEYS)) throw new Error(`a snapshot did not carry ${KEYS} keys`);
    const snapshotVersion = receipts.at(-1)!.version;
    const median = (pick: (r: SnapshotReceipt) => number) => percentile(sortedCopy(receipts.map(pick)), 50);
    const cpBuilds = logLines(cp.process, 'config snapshot built').map((l) => Number(l.ms));
    const cpBuilt = cpBuilds.length > 0 ? { ms: percentile(sortedCopy(cpBuilds), 50), runs: cpBuilds } : undefined;

    // 2. A data plane applying it.
    const gate = await startTcpGate(cp.port);
    cleanups.push(() => gate.close());
    const inspectPort = await freePort();
    const dp = await startGatedDataPlane(cp, gate.port, inspectPort);
    cleanups.push(() => dp.proc.stop());
    processes.push(dp.proc);
    const pid = dp.proc.child.pid!;
    const inspector = await Inspector.connect(inspectPort);
    cleanups.push(() => inspector.close());
    const heapBefore = await inspector.collectGarbage();
    const rssBefore = rssMb(pid).now;
    const openedAt = performance.now();
    gate.open();
    await waitFor(async () => {
      if (!dp.proc.running) throw new Error(`data plane exited:\n${dp.proc.text()}`);
      return (await dp.configVersion()) >= snapshotVersion;
    }, { timeoutMs: APPLY_TIMEOUT_MS, intervalMs: 5, what: 'data plane at the snapshot version' });
    const readyMs = performance.now() - openedAt;
    const rssPeakDuringApply = rssMb(pid).peak;
    const heapAfter = await inspector.collectGarbage();
    const rssAfter = rssMb(pid).now;
    // V8 gives memory it no longer needs back to the system a few seconds after the heap goes quiet (its memory
    // reducer), not at once: the RSS a data plane settles at is read after a pause and another collection.
    await sleep(10_000);
    await inspector.collectGarbage();
    const rssSettled = rssMb(pid).now;
    const loaded = logFields(dp.proc, 'config snapshot loaded');
    if (process.env.BENCH_DP_OUTPUT) writeFileSync(process.env.BENCH_DP_OUTPUT, dp.proc.text());
    const heapPerKey = (heapAfter - heapBefore) / KEYS;
    const rssPerKey = ((rssAfter - rssBefore) * 1024 * 1024) / KEYS;
    const rssSettledPerKey = ((rssSettled - rssBefore) * 1024 * 1024) / KEYS;
    console.log(`data plane: ready at v${snapshotVersion} ${f(readyMs)} ms after the gate opened; log: ${JSON.stringify(loaded)}`);
    console.log(`data plane heap ${f(mb(heapBefore), 1)} → ${f(mb(heapAfter), 1)} MB, RSS ${f(rssBefore, 1)} → ${f(rssAfter, 1)} MB, ${f(rssSettled, 1)} MB 10 s later (peak ${f(rssPeakDuringApply, 1)} MB)`);

    // 3. Propagation of single changes.
    const model = seededModelName(1);
    // `mutationMs`: until the mutation's response (the change is committed by then); `ms`: until the data plane
    // behaves accordingly. The difference is the push and the data plane's apply.
    const samples: { op: 'create' | 'block'; ms: number; mutationMs: number }[] = [];
    let pending: { id: string; key: string } | undefined;
    for (let i = 0; i < CHANGES; i++) {
      const start = performance.now();
      if (!pending) {
        const created = await api.createKey({ alias: `bench-propagation-${i}` });
        const mutationMs = performance.now() - start;
        pending = { id: created.virtualKey.id, key: created.key };
        samples.push({ op: 'create', ms: (await until(dp.baseUrl, pending.key, 200, model)) - start, mutationMs });
      } else {
        const { id, key } = pending;
        pending = undefined;
        const refused = until(dp.baseUrl, key, 401, model);
        await api.call('mutation($id: ID!) { updateKey(id: $id, input: { blocked: true }) { id } }', { id });
        const mutationMs = performance.now() - start;
        samples.push({ op: 'block', ms: (await refused) - start, mutationMs });
      }
      await sleep(20);
    }
    const sorted = sortedCopy(samples.map((s) => s.ms));
    const byOp = (op: string) => sortedCopy(samples.filter((s) => s.op === op).map((s) => s.ms));
    const deltas = logCount(dp.proc, 'config delta applied');
    const snapshots = logCount(dp.proc, 'config snapshot loaded');
    const deltaApply = sortedCopy(logLines(dp.proc, 'config delta applied').map((l) => Number(l.applyMs)));
    const mutations = sortedCopy(samples.map((s) => s.mutationMs));
    console.log(`propagation: ${samples.length} changes, ${deltas} deltas and ${snapshots} snapshot(s) applied by the data plane; delta apply p50 ${f(percentile(deltaApply, 50), 1)} ms, max ${f(deltaApply.at(-1), 1)} ms; mutation response p50 ${f(percentile(mutations, 50), 1)} ms, p99 ${f(percentile(mutations, 99), 1)} ms`);
    console.log(`samples (ms to the data plane / to the mutation's response): ${samples.map((s) => `${s.op[0]}${f(s.ms)}/${f(s.mutationMs)}`).join(' ')}`);

    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const rows = [
      ['control plane: snapshot, first message (median)', '', `${f(median((r) => r.firstMessageMs))} ms`],
      ['control plane: snapshot, complete at the subscriber (median)', '', `${f(median((r) => r.completeMs))} ms`],
      ['control plane: snapshot read and built (its log, median)', '', cpBuilt ? `${f(cpBuilt.ms)} ms` : 'not logged'],
      ['snapshot on the wire', '', `${f(mb(receipts.at(-1)!.bytes), 1)} MB in ${receipts.at(-1)!.messages} message(s)`],
      ['data plane: gate opened → ready at the snapshot version', `≤ ${TARGETS.applyMs} ms`, `${f(readyMs)} ms`],
      ['data plane: snapshot applied (its log)', `≤ ${TARGETS.applyMs} ms`, loaded?.applyMs !== undefined ? `${String(loaded.applyMs)} ms` : 'not logged'],
      ['data plane: heap growth per key (after full GC)', `≤ ${TARGETS.bytesPerKey} B`, `${f(heapPerKey)} B`],
      ['data plane: RSS growth per key (after full GC)', `≤ ${TARGETS.bytesPerKey} B`, `${f(rssPerKey)} B`],
      ['data plane: RSS growth per key (10 s later, after full GC)', `≤ ${TARGETS.bytesPerKey} B`, `${f(rssSettledPerKey)} B`],
      ['data plane: RSS peak while applying', '', `${f(rssPeakDuringApply)} MB`],
      ['propagation p50 (create / block)', '', `${f(p50, 1)} ms (${f(percentile(byOp('create'), 50), 1)} / ${f(percentile(byOp('block'), 50), 1)})`],
      ['propagation p99 (create / block)', `≤ ${TARGETS.propagationP99Ms} ms`, `${f(p99, 1)} ms (${f(percentile(byOp('create'), 99), 1)} / ${f(percentile(byOp('block'), 99), 1)})`],
      ['propagation max', '', `${f(sorted.at(-1), 1)} ms`],
    ];
    console.log(`\n${table(['', 'target', 'measured'], rows)}`);
    Object.assign(summary, {
      snapshot: { receipts, controlPlaneLog: cpBuilt },
      dataPlane: { readyMs, log: loaded, heapBefore, heapAfter, rssBeforeMb: rssBefore, rssAfterMb: rssAfter, rssSettledMb: rssSettled, rssPeakMb: rssPeakDuringApply, heapPerKey, rssPerKey, rssSettledPerKey },
      propagation: { p50, p99, max: sorted.at(-1), samples, deltas, snapshots, deltaApplyMs: { p50: percentile(deltaApply, 50), max: deltaApply.at(-1) } },
    });
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));
  } catch (err) {
    // What the processes said last (a crash, a refused message) is usually the explanation.
    for (const proc of processes) {
      const exit = proc.running ? 'running' : `exited (${proc.child.exitCode ?? proc.child.signalCode})`;
      console.error(`--- ${proc.name}, ${exit}, last lines:\n${proc.text().split('\n').slice(-15).join('\n').slice(-4000)}`);
    }
    throw err;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
    else console.log(`database kept: ${db.url}`);
    await stopPg?.();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
