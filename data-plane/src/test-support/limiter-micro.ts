/**
 * The Redis limiter alone, in one process: `tsx data-plane/src/test-support/limiter-micro.ts [concurrency=64] [seconds=4] [rounds=3]`
 * (`LIMITER=local`: the in-process limiter instead, Redis's column then zero).
 * `concurrency` loops each admit a request (one key subject with rpm, tpm, parallel and a daily budget, as
 * the bench's limited key), let a turn pass, and settle it with a different cost, as the data plane does. Prints the
 * process's CPU per admit+settle (what the data plane pays for Redis-backed limits), Redis's own CPU per pair (from
 * `INFO cpu`: the script's cost, which bounds how many limited requests one Redis serves for all data planes) and pairs
 * per second. Redis at
 * REDIS_URL (default redis://127.0.0.1:6379); pin it with `taskset` for steadier figures.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { failFastRedis } from '../redis/connection.js';
import { RedisLimiter } from '../limits/redis-limiter.js';
import { LocalLimiter } from '../limits/local-limiter.js';
import type { LimitSubject } from '../limits/types.js';
import { microRounds } from './micro-rounds.js';

const [conc = '64', seconds = '4', rounds = '3'] = process.argv.slice(2);
const redis = failFastRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { commandTimeoutMs: 1_000 });
const limiter = process.env.LIMITER === 'local' ? new LocalLimiter() : new RedisLimiter(redis, { keyPrefix: `tg-micro-${randomUUID().slice(0, 8)}:` });
const dayEnd = Date.now() + 86_400_000;
const subject: LimitSubject = {
  kind: 'key',
  id: 'k-micro',
  label: "key 'micro'",
  rpm: 1e9,
  tpm: 1e12,
  parallel: 1e6,
  budget: { maxNanos: 10n ** 18n, periodId: 'd1', periodEndMs: dayEnd, seedNanos: 0n },
} as LimitSubject;

let n = 0;
async function loop(until: number): Promise<void> {
  while (performance.now() < until) {
    n++;
    const admitted = await limiter.admit({ requestId: randomUUID(), subjects: [subject], reserveTokens: 120, reserveNanos: 5_000n, nowMs: Date.now() });
    if (!admitted.ok) throw new Error('refused');
    await nextTurn();
    await limiter.settle(admitted.ticket, { tokens: 37, nanos: 1_234n, nowMs: Date.now() });
  }
}

await microRounds({
  concurrency: Number(conc),
  seconds: Number(seconds),
  rounds: Number(rounds),
  redis,
  loop,
  count: () => n,
  report: ({ operations: pairs, cpuUs, redisCpuUs, ms }) =>
    console.log(JSON.stringify({ concurrency: Number(conc), pairs, pairsPerSec: Math.round((pairs / ms) * 1000), cpuUsPerPair: +(cpuUs / pairs).toFixed(2), redisCpuUsPerPair: +(redisCpuUs / pairs).toFixed(2) })),
});
await limiter.close();
// The in-process limiter leaves the connection (used for Redis's CPU figures) open.
if (redis.status !== 'end') redis.disconnect();
