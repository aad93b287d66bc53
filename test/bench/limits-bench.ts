import type { LoadResult, OpenLoopResult } from './load.js';
import { openLoopLoad, wrkLoad } from './load.js';
import type { BenchStack, Target } from './stack.js';
import { percentile, sortedCopy, table } from './stats.js';

/**
 * What rate limits and budgets cost on the request path: the same data plane, the same request, with a key that
 * has none and a key with every kind (rpm, tpm, parallel requests and a daily budget; all far above what the load
 * reaches, so nothing is refused and every request pays for a full admit and settle). Two data planes: the stack's
 * own, counting in process, and one with REDIS_URL, counting in Redis on loopback (one Lua call per event-loop turn
 * settles and admits that turn's requests). Both on core 0, one at a time under load; Redis runs wherever the OS puts
 * it (pinning it to core 1, with the load client, was tried: it helped one run and hurt another, where the open-loop
 * client kept core 1 busy; see docs/performance.md).
 */
export const LIMITS = { rpmLimit: 10_000_000, tpmLimit: 1_000_000_000, maxParallelRequests: 100_000, maxBudget: 1_000_000, budgetDuration: '1d' };
const CONCURRENCIES = [16, 64];
/** The fixed-load rows send at this share of the plane's no-limit capacity (its c=16 closed-loop requests/s). */
const FIXED_LOAD_SHARE = 0.4;

const mid = (values: number[]) => percentile(sortedCopy(values), 50);
const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export interface LimitsFigures {
  mode: 'in-process' | 'redis';
  concurrency: number;
  plain: { p50: number; p99: number; rps: number; cpu: number };
  limited: { p50: number; p99: number; rps: number; cpu: number };
  errors: number;
}

/** Open loop at a fixed rate (see `openLoopLoad`): what limits add to one request when the core is not saturated. */
export interface FixedLoadFigures {
  mode: 'in-process' | 'redis';
  rps: number;
  plain: { p50: number; p99: number; cpu: number };
  limited: { p50: number; p99: number; cpu: number };
  errors: number;
}

export async function benchLimits(stack: BenchStack, plainBody: string, rounds: number, seconds: number, redisUrl: string): Promise<{ text: string; figures: LimitsFigures[]; fixed: FixedLoadFigures[]; requests: number }> {
  const limitedKey = await stack.createKey({ alias: 'bench-limited', ...LIMITS });
  const redisPlane = await stack.startDataPlane({ REDIS_URL: redisUrl });
  const plainAuth = stack.gateway.headers;
  const planes = [
    { mode: 'in-process' as const, url: stack.gateway.url, pid: stack.gateway.pid! },
    { mode: 'redis' as const, url: `${redisPlane.baseUrl}/v1/chat/completions`, pid: redisPlane.process.child.pid! },
  ];
  const figures: LimitsFigures[] = [];
  const fixed: FixedLoadFigures[] = [];
  /** Responses the load clients counted, warm-up included (each has a usage event). */
  let requests = 0;
  const load = async (target: Target, c: number, s: number) => {
    const result = await wrkLoad(target, plainBody, c, s);
    requests += result.requests;
    return result;
  };
  for (const plane of planes) {
    const plain: Target = { name: 'gateway', url: plane.url, headers: plainAuth, pid: plane.pid };
    const limited: Target = { name: 'gateway', url: plane.url, headers: { Authorization: `Bearer ${limitedKey}` }, pid: plane.pid };
    // Warm-up: JIT, pools, the Redis connection and its script cache.
    await load(plain, 16, 2);
    await load(limited, 16, 2);
    for (const c of CONCURRENCIES) {
      const runs: Record<'plain' | 'limited', LoadResult[]> = { plain: [], limited: [] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['plain', 'limited'] as const) : (['limited', 'plain'] as const);
        for (const which of order) runs[which].push(await load(which === 'plain' ? plain : limited, c, seconds));
      }
      const pick = (rs: LoadResult[]) => ({ p50: mid(rs.map((r) => r.p50)), p99: mid(rs.map((r) => r.p99)), rps: mid(rs.map((r) => r.rps)), cpu: mid(rs.map((r) => r.cpuMsPerRequest ?? Number.NaN)) });
      figures.push({ mode: plane.mode, concurrency: c, plain: pick(runs.plain), limited: pick(runs.limited), errors: [...runs.plain, ...runs.limited].reduce((n, r) => n + r.errors, 0) });
    }
    const capacity = figures.find((x) => x.mode === plane.mode && x.concurrency === 16)!.plain.rps;
    const rps = Math.max(100, Math.round((capacity * FIXED_LOAD_SHARE) / 100) * 100);
    const open: Record<'plain' | 'limited', OpenLoopResult[]> = { plain: [], limited: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['plain', 'limited'] as const) : (['limited', 'plain'] as const);
      for (const which of order) {
        const result = await openLoopLoad(which === 'plain' ? plain : limited, plainBody, { rps, connections: 16, seconds });
        requests += result.latencies.length + result.errors;
        open[which].push(result);
      }
    }
    const at = (rs: OpenLoopResult[], p: number) => mid(rs.map((r) => percentile(r.latencies, p)));
    const openPick = (rs: OpenLoopResult[]) => ({ p50: at(rs, 50), p99: at(rs, 99), cpu: mid(rs.map((r) => r.cpuMsPerRequest ?? Number.NaN)) });
    fixed.push({ mode: plane.mode, rps, plain: openPick(open.plain), limited: openPick(open.limited), errors: [...open.plain, ...open.limited].reduce((n, r) => n + r.errors, 0) });
  }
  const rows = figures.map((x) => [
    x.mode, String(x.concurrency), f(x.plain.p50), f(x.limited.p50), f(x.limited.p50 - x.plain.p50), f(x.plain.p99), f(x.limited.p99),
    f(x.limited.rps / x.plain.rps, 2), f(x.plain.cpu, 4), f(x.limited.cpu, 4), String(x.errors),
  ]);
  const text =
    'Limits and budgets (rpm, tpm, parallel, daily budget on the key; nothing refused), same data plane, no-limit key vs limited key (ms)\n' +
    table(['counters', 'conc', 'no limits p50', 'limits p50', 'added p50', 'no limits p99', 'limits p99', 'rps ratio', 'CPU ms/req', 'CPU ms/req limited', 'errors'], rows);
  const fixedRows = fixed.map((x) => [
    x.mode, String(x.rps), f(x.plain.p50), f(x.limited.p50), f(x.limited.p50 - x.plain.p50), f(x.plain.p99), f(x.limited.p99), f(x.plain.cpu, 4), f(x.limited.cpu, 4), String(x.errors),
  ]);
  const fixedText =
    `\nThe same at a fixed offered load (open loop, ${FIXED_LOAD_SHARE * 100}% of the plane's no-limit c=16 capacity, 16 connections, latency from each request's due time): what limits add to one request when the core is not saturated (ms)\n` +
    table(['counters', 'requests/s', 'no limits p50', 'limits p50', 'added p50', 'no limits p99', 'limits p99', 'CPU ms/req', 'CPU ms/req limited', 'errors'], fixedRows);
  return { text: text + fixedText, figures, fixed, requests };
}
