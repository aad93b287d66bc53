import { admin } from '../src/admin.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { startBenchUpstream } from './upstream.js';

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
  stop(): Promise<void>;
}

/**
 * The benchmark's processes: PostgreSQL (local or embedded), the bench upstream (in this process), a control plane
 * with one `openai_compatible` model pointing at the upstream and one key, and a data plane pinned to core 0.
 * `dataPlaneEnv` is added to the data plane's environment (e.g. NODE_OPTIONS for profiling).
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
  const upstream = await startBenchUpstream();
  const cp = await startControlPlaneProcess({ databaseUrl: db.url });
  const api = admin(cp.graphqlUrl, cp.masterKey);
  await api.call('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
    i: { name: 'bench-gpt', provider: 'openai_compatible', providerModel: 'bench-upstream', apiBase: `http://127.0.0.1:${upstream.port}/v1`, inputCostPerMillion: 1, outputCostPerMillion: 2 },
  });
  const key = await api.createKey({ alias: 'bench' });
  const dp = await startDataPlaneProcess({ controlPlane: cp, cpus: '0', env: { TOLLGATE_USAGE_FLUSH_MS: '250', ...dataPlaneEnv } });
  return {
    direct: { name: 'direct', url: `http://127.0.0.1:${upstream.port}/v1/chat/completions`, headers: {} },
    gateway: { name: 'gateway', url: `${dp.baseUrl}/v1/chat/completions`, headers: { Authorization: `Bearer ${key.key}` }, pid: dp.process.child.pid! },
    dp,
    async stop() {
      await dp.process.stop();
      await cp.process.stop();
      upstream.close();
      await db.drop();
      await stopPg?.();
    },
  };
}
