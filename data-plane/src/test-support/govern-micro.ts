/**
 * The governance path alone, in one process: `tsx data-plane/src/test-support/govern-micro.ts [concurrency=64]
 * [seconds=3] [rounds=3]`. Each loop runs what a data plane does around one limited request of the bench's limited
 * key (rpm, tpm, parallel requests and a daily budget, with a team and an organization as a key of a real deployment
 * has): `admitGoverned` (subjects, reservation estimate, the limiter's admit, the rate-limit headers), a turn, then
 * `settleGoverned`. Prints CPU per request (GOVERN_MICRO_EMPTY=1: the loop alone). In-process counters unless REDIS_URL is set (then Redis's own CPU too).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { OrgConfig } from '@tollgate/schema';
import { compileConfig } from '../config/compile.js';
import { hashKey } from '@tollgate/schema';
import { admitGoverned, settleGoverned, type GovernanceOptions } from '../governance/govern.js';
import { CountedSpend } from '../governance/counted-spend.js';
import { LocalLimiter } from '../limits/local-limiter.js';
import { IpAllowList } from '../governance/request-policy.js';
import type { Exchange } from '../http/exchange.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { key, model, snapshotOf, team } from './fixtures.js';
import { microRounds } from './micro-rounds.js';

const [conc = '64', seconds = '3', rounds = '3'] = process.argv.slice(2);
const SECRET = 'sk-tg-micro-0000000000000000000000000000000000';
const LIMITS = { rpmLimit: 10_000_000, tpmLimit: 1_000_000_000, maxParallelRequests: 100_000, maxBudget: 1_000_000, budgetDuration: '1d', budgetResetAt: new Date(Date.now() + 3_600_000).toISOString() };
const { config } = compileConfig(
  snapshotOf({
    models: [model({ id: 'm1', name: 'bench-gpt', provider: 'openai_compatible', providerModel: 'gpt-4o-mini', apiBase: 'http://127.0.0.1:1/v1' })],
    teams: [team({ id: 't1', name: 'research' })],
    orgs: [OrgConfig.parse({ id: 'o1', name: 'acme' })],
    keys: [key(SECRET, { id: 'k1', teamId: 't1', orgId: 'o1', ...LIMITS })],
  }),
);
const runtimeKey = config.keysByHash.get(hashKey(SECRET))!;
const deployment = config.modelsByName.get('bench-gpt')!;
const redis = process.env.REDIS_URL ? await import('../redis/connection.js').then((m) => m.failFastRedis(process.env.REDIS_URL!, { commandTimeoutMs: 1_000 })) : null;
const limiter = redis ? new (await import('../limits/redis-limiter.js')).RedisLimiter(redis, { keyPrefix: `tg-gmicro-${randomUUID().slice(0, 8)}:` }) : new LocalLimiter();
const gov = {
  limiter,
  allowedIps: IpAllowList.of([]),
  enforcedParams: [],
  defaultReserveOutputTokens: 1024,
  countedSpend: new CountedSpend(),
  status: () => ({ counters: 'local', failureMode: 'open', degraded: false, outages: 0, decidedWithoutRedis: 0, retriesPending: 0, retriesDropped: 0 }),
} as unknown as GovernanceOptions;

/** GOVERN_MICRO_EMPTY=1: the loop alone (request objects and a turn), the floor the figures stand on. */
const EMPTY = process.env.GOVERN_MICRO_EMPTY === '1';
let n = 0;
async function loop(until: number): Promise<void> {
  while (performance.now() < until) {
    n++;
    const body = { model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] };
    const ex = { requestId: randomUUID(), extraHeaders: undefined } as unknown as Exchange;
    const usage = { tags: [], metadata: {}, totalTokens: 37, cost: { nanos: 1_234n } } as unknown as UsageRecorder;
    if (EMPTY) {
      await nextTurn();
      continue;
    }
    const ticket = await admitGoverned(gov, ex, config, runtimeKey, { model: 'bench-gpt', user: null, body }, deployment, usage);
    if (ticket === null) throw new Error('no ticket');
    await nextTurn();
    settleGoverned(gov, ticket, usage);
  }
}

await microRounds({
  concurrency: Number(conc),
  seconds: Number(seconds),
  rounds: Number(rounds),
  redis,
  loop,
  count: () => n,
  report: ({ operations: requests, cpuUs, redisCpuUs }) =>
    console.log(JSON.stringify({ concurrency: Number(conc), requests, cpuUsPerRequest: +(cpuUs / requests).toFixed(2), ...(redis && { redisCpuUsPerRequest: +(redisCpuUs / requests).toFixed(2) }) })),
});
await limiter.close();
redis?.disconnect();
