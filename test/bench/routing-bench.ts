import type { LoadResult } from './load.js';
import { wrkLoad } from './load.js';
import type { BenchStack, Target } from './stack.js';
import { percentile, sortedCopy, table } from './stats.js';

/**
 * What routing costs on the request path: the same data plane and key, the same upstream, a model with one deployment
 * (`bench-gpt`) against a model group of ten deployments (`bench-group`, weights 1…10, the default weighted strategy),
 * alternating. Every deployment of the group points at the same bench upstream, so the difference is the router's
 * work (picking, bookkeeping per deployment), not the upstreams'.
 */
const GROUP = 'bench-group';
const DEPLOYMENTS = 10;
const CONCURRENCIES = [1, 16];

const mid = (values: number[]) => percentile(sortedCopy(values), 50);
const f = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export interface RoutingFigures {
  concurrency: number;
  single: { p50: number; p99: number; rps: number; cpu: number };
  group: { p50: number; p99: number; rps: number; cpu: number };
  errors: number;
}

export async function benchRouting(stack: BenchStack, rounds: number, seconds: number): Promise<{ text: string; figures: RoutingFigures[]; requests: number }> {
  for (let i = 1; i <= DEPLOYMENTS; i++) {
    await stack.createModel({ name: GROUP, provider: 'openai_compatible', providerModel: 'bench-upstream', apiBase: stack.upstreamApiBase, inputCostPerMillion: 1, outputCostPerMillion: 2, weight: i });
  }
  const body = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }] });
  const single: Target = stack.gateway;
  let requests = 0;
  const load = async (model: string, c: number, s: number) => {
    const result = await wrkLoad(single, body(model), c, s);
    requests += result.requests;
    return result;
  };
  await load('bench-gpt', 16, 2);
  await load(GROUP, 16, 2);
  const figures: RoutingFigures[] = [];
  for (const c of CONCURRENCIES) {
    const runs: Record<'single' | 'group', LoadResult[]> = { single: [], group: [] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['single', 'group'] as const) : (['group', 'single'] as const);
      for (const which of order) runs[which].push(await load(which === 'single' ? 'bench-gpt' : GROUP, c, seconds));
    }
    const pick = (rs: LoadResult[]) => ({ p50: mid(rs.map((r) => r.p50)), p99: mid(rs.map((r) => r.p99)), rps: mid(rs.map((r) => r.rps)), cpu: mid(rs.map((r) => r.cpuMsPerRequest ?? Number.NaN)) });
    figures.push({ concurrency: c, single: pick(runs.single), group: pick(runs.group), errors: [...runs.single, ...runs.group].reduce((n, r) => n + r.errors, 0) });
  }
  const rows = figures.map((x) => [
    String(x.concurrency), f(x.single.p50), f(x.group.p50), f(x.group.p50 - x.single.p50), f(x.single.p99), f(x.group.p99),
    f(x.group.rps / x.single.rps, 2), f(x.single.cpu, 4), f(x.group.cpu, 4), f(x.group.cpu - x.single.cpu, 4), String(x.errors),
  ]);
  const text =
    `Routing: one deployment vs a group of ${DEPLOYMENTS} (weighted), same data plane, same upstream (ms)\n` +
    table(['conc', '1 deployment p50', '10 p50', 'added p50', '1 p99', '10 p99', 'rps ratio', 'CPU ms/req', 'CPU ms/req 10', 'added CPU', 'errors'], rows);
  return { text, figures, requests };
}
