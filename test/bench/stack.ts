import { admin } from '../src/admin.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { freePort } from '../src/ports.js';
import { spawnNode, startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startHelper } from './helper-process.js';
import { STREAM_CHUNKS, UPSTREAM_USAGE, startBenchUpstream } from './upstream.js';
import { sinkTally, type UsageTally } from './usage-sink.js';

export interface Target {
  name: 'direct' | 'gateway';
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
  // In this process, as the load client: the same for both targets, and one process fewer sharing core 1.
  const upstream = await startBenchUpstream();
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
    dp = process.env.BENCH_DP_MAIN ? await startOtherDataPlane(process.env.BENCH_DP_MAIN, cp, env) : await startDataPlaneProcess({ controlPlane: cp, cpus: '0', env });
  } catch (err) {
    sink?.stop();
    await cp?.process.stop();
    upstream.close();
    await db.drop();
    await stopPg?.();
    throw err;
  }
  const controlPlane = cp;
  return {
    direct: { name: 'direct', url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, headers: {} },
    gateway: { name: 'gateway', url: `${dp.baseUrl}/v1/chat/completions`, headers: { Authorization: `Bearer ${key.key}` }, pid: dp.process.child.pid! },
    dp,
    usage: sink ? { tally: () => sinkTally(sink!.info.url) } : null,
    async stop() {
      await dp.process.stop();
      sink?.stop();
      await controlPlane.process.stop();
      upstream.close();
      await db.drop();
      await stopPg?.();
    },
  };
}

/**
 * BENCH_DP_MAIN=/path/to/data-plane/dist/main.js: benchmark another build of the data plane (e.g. a worktree of an
 * earlier commit, for before/after figures from the same machine and the same benchmark), started like
 * `startDataPlaneProcess` starts this one.
 */
async function startOtherDataPlane(main: string, cp: ControlPlaneProcess, env: Record<string, string>): Promise<DataPlaneProcess> {
  const port = await freePort();
  const proc = spawnNode('data-plane', main, {
    TOLLGATE_HOST: '127.0.0.1',
    TOLLGATE_PORT: String(port),
    TOLLGATE_CONTROL_PLANE_URL: cp.graphqlUrl,
    TOLLGATE_DATA_PLANE_TOKEN: cp.dataPlaneToken,
    ...env,
  }, [], '0');
  const baseUrl = `http://127.0.0.1:${port}`;
  const configVersion = async (): Promise<number> => {
    try {
      const res = await fetch(`${baseUrl}/health/readiness`);
      const body = (await res.json()) as { configVersion?: number };
      return res.ok && typeof body.configVersion === 'number' ? body.configVersion : -1;
    } catch {
      return -1;
    }
  };
  await waitFor(async () => {
    if (!proc.running) throw new Error(`data plane exited:\n${proc.text()}`);
    return (await configVersion()) >= 0;
  }, { timeoutMs: 30_000, what: 'data plane readiness' });
  return { process: proc, port, baseUrl, configVersion };
}
