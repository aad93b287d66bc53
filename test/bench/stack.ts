import { admin } from '../src/admin.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { startHelper } from './helper-process.js';
import { useRemoteMarks } from './load.js';
import { STREAM_CHUNKS, UPSTREAM_USAGE, startBenchUpstream } from './upstream.js';
import { sinkTally, type UsageTally } from './usage-sink.js';

export interface Target {
  /** bare: the bare uWS + undici pass-through (`bare-proxy.ts`), the floor a gateway on this stack can reach. */
  name: 'direct' | 'gateway' | 'bare';
  url: string;
  headers: Record<string, string>;
  pid?: number;
}

export interface BenchStack {
  direct: Target;
  gateway: Target;
  dp: DataPlaneProcess;
  /** Where usage goes: the bench's sink (default), or null with BENCH_USAGE_SINK=control-plane. */
  usage: { tally(): Promise<UsageTally> } | null;
  /** Creates a key with these settings (CreateKeyInput fields) and waits until the data planes have it. */
  createKey(settings: Record<string, unknown>): Promise<string>;
  /** Creates a model (CreateModelInput fields) and waits until the data planes have it. */
  createModel(input: Record<string, unknown>): Promise<void>;
  /** The bench upstream's OpenAI base URL (`…/v1`), for more models pointing at it. */
  upstreamApiBase: string;
  /** Another data plane like the first (core 0, same usage route), with `env` added; stopped with the stack. */
  startDataPlane(env: Record<string, string>): Promise<DataPlaneProcess>;
  stop(): Promise<void>;
}

/**
 * The benchmark's processes: PostgreSQL (local or embedded), the bench upstream (in this process), a control plane
 * with one `openai_compatible` model pointing at the upstream and one key, and a data plane pinned to core 0.
 * `dataPlaneEnv` is added to the data plane's environment (e.g. NODE_OPTIONS for profiling). Usage events go to
 * the bench's usage sink (see usage-sink.ts) unless BENCH_USAGE_SINK=control-plane.
 */
export async function startBenchStack(dataPlaneEnv: Record<string, string> = {}): Promise<BenchStack> {
  let pgUrl = process.env.TOLLGATE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  let stopPg: (() => Promise<void>) | undefined;
  if (!(await canConnect(pgUrl))) {
    const pg = await startEmbeddedPostgres();
    pgUrl = pg.url;
    stopPg = pg.stop;
  }
  const db = await createDatabase(pgUrl, 'tollgate_bench');
  // In this process, as the load client: the same for both targets, and one process fewer sharing core 1. With
  // BENCH_UPSTREAM_PROCESS=1, in a process of its own on core 1 (upstream-process.ts): the two event loops then no
  // longer delay each other (see docs/performance.md, seventh session).
  let upstream: { port: number; close(): void };
  if (process.env.BENCH_UPSTREAM_PROCESS === '1') {
    const helper = await startHelper<{ port: number }>('./upstream-process.ts', [], '1');
    upstream = { port: helper.info.port, close: () => helper.stop() };
    useRemoteMarks(`http://127.0.0.1:${helper.info.port}/bench/marks`);
  } else {
    upstream = await startBenchUpstream();
  }
  const upstreamPort = upstream.port;
  let cp: ControlPlaneProcess | undefined;
  let sink: Awaited<ReturnType<typeof startHelper<{ url: string }>>> | undefined;
  let dp: DataPlaneProcess;
  let key: { key: string };
  try {
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    const api = admin(cp.graphqlUrl, cp.masterKey);
    await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name: 'bench-gpt', provider: 'openai_compatible', providerModel: 'bench-upstream', apiBase: `http://127.0.0.1:${upstreamPort}/v1`, inputCostPerMillion: 1, outputCostPerMillion: 2 },
    });
    key = await api.createKey({ alias: 'bench' });
    if (process.env.BENCH_USAGE_SINK !== 'control-plane') {
      sink = await startHelper<{ url: string }>('./usage-sink.ts', [cp.graphqlUrl, String(UPSTREAM_USAGE.prompt), String(UPSTREAM_USAGE.completion), String(STREAM_CHUNKS)], '1');
    }
    const env = { TOLLGATE_USAGE_FLUSH_MS: '250', ...(sink && { TOLLGATE_CONTROL_PLANE_URL: sink.info.url }), ...dataPlaneEnv };
    // BENCH_DP_MAIN=/path/to/data-plane/dist/main.js benchmarks another build (e.g. a worktree of an earlier commit,
    // for before/after figures from the same machine and benchmark), started exactly like this one.
    dp = await startDataPlaneProcess({ controlPlane: cp, cpus: '0', env, ...(process.env.BENCH_DP_MAIN && { main: process.env.BENCH_DP_MAIN }) });
  } catch (err) {
    sink?.stop();
    await cp?.process.stop();
    upstream.close();
    await db.drop();
    await stopPg?.();
    throw err;
  }
  const controlPlane = cp;
  const api = admin(controlPlane.graphqlUrl, controlPlane.masterKey);
  const baseEnv = { TOLLGATE_USAGE_FLUSH_MS: '250', ...(sink && { TOLLGATE_CONTROL_PLANE_URL: sink.info.url }), ...dataPlaneEnv };
  const extra: DataPlaneProcess[] = [];
  /** Waits until every data plane has the control plane's current config. */
  const caughtUp = async () => {
    const version = await api.configVersion();
    for (const plane of [dp, ...extra]) {
      while ((await plane.configVersion()) < version) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    direct: { name: 'direct', url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, headers: {} },
    gateway: { name: 'gateway', url: `${dp.baseUrl}/v1/chat/completions`, headers: { Authorization: `Bearer ${key.key}` }, pid: dp.process.child.pid! },
    dp,
    usage: sink ? { tally: () => sinkTally(sink!.info.url) } : null,
    upstreamApiBase: `http://127.0.0.1:${upstreamPort}/v1`,
    async createKey(settings) {
      const created = await api.call<{ createKey: { key: string } }>('mutation($input: CreateKeyInput!) { createKey(input: $input) { key } }', { input: settings });
      await caughtUp();
      return created.createKey.key;
    },
    async createModel(input) {
      await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', { i: input });
      await caughtUp();
    },
    async startDataPlane(env) {
      const plane = await startDataPlaneProcess({ controlPlane, cpus: '0', env: { ...baseEnv, ...env }, ...(process.env.BENCH_DP_MAIN && { main: process.env.BENCH_DP_MAIN }) });
      extra.push(plane);
      return plane;
    },
    async stop() {
      await Promise.all(extra.map((plane) => plane.process.stop()));
      await dp.process.stop();
      sink?.stop();
      await controlPlane.process.stop();
      upstream.close();
      await db.drop();
      await stopPg?.();
    },
  };
}
