/**
 * One benchmark load against the gateway only, for profiling and quick A/B checks:
 * `tsx test/bench/profile.ts <plain|stream|gaps|limited> [seconds=5] [connections=64] [rounds=1]`. `gaps`: streams
 * with 10 ms between chunks from the Node client (`connections` loops, staggered), as the bench's TTFT row. `limited`: plain
 * requests with a key that has every limit and a budget (limits-bench.ts), counted in process, or in Redis with
 * BENCH_DP_REDIS=redis://….
 * The data plane runs under the V8 CPU profiler (cpu-profile.cjs; the profile is written to BENCH_PROF_DIR, default
 * /tmp/prof, when it stops) unless BENCH_NO_PROF=1. Extra data-plane Node flags: BENCH_DP_NODE_OPTIONS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LIMITS } from './limits-bench.js';
import { cpuMs, rssMb, streamLoad, wrkLoad } from './load.js';
import { percentile, sortedCopy } from './stats.js';
import { startBenchStack } from './stack.js';
import { STREAM_CHUNKS } from './upstream.js';

const [mode = 'plain', seconds = '5', conc = '64', rounds = '1'] = process.argv.slice(2);
const dir = process.env.BENCH_PROF_DIR ?? '/tmp/prof';
const flags = [process.env.BENCH_NO_PROF ? '' : `--require ${new URL('./cpu-profile.cjs', import.meta.url).pathname}`, process.env.BENCH_DP_NODE_OPTIONS ?? ''].join(' ').trim();
const stack = await startBenchStack({ ...(flags && { NODE_OPTIONS: flags }), BENCH_PROF_DIR: dir, ...(process.env.BENCH_DP_REDIS && { REDIS_URL: process.env.BENCH_DP_REDIS }) });
const target = mode === 'limited' ? { ...stack.gateway, headers: { Authorization: `Bearer ${await stack.createKey({ alias: 'bench-limited', ...LIMITS })}` } } : stack.gateway;
const plain = JSON.stringify({ model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] });
const stream = JSON.stringify({ model: 'bench-gpt', stream: true, bench_gap_ms: 0, messages: [{ role: 'user', content: 'Count.' }] });
const body = mode === 'stream' ? stream : plain;
const expect = mode === 'stream' ? STREAM_CHUNKS : undefined;
try {
  await wrkLoad(target, body, 16, 2, expect);
  for (let i = 0; i < Number(rounds); i++) {
    console.error('load starts');
    if (mode === 'gaps') {
      const before = cpuMs(stack.gateway.pid!);
      const gaps = JSON.stringify({ model: 'bench-gpt', stream: true, bench_gap_ms: 10, messages: [{ role: 'user', content: 'Count.' }] });
      const r = await streamLoad(target, gaps, { seconds: Number(seconds), concurrency: Number(conc), staggerMs: 10 });
      const p50 = (xs: number[]) => percentile(sortedCopy(xs), 50);
      console.log(JSON.stringify({ streams: r.completed, ttftP50: p50(r.ttft), ttftP99: percentile(sortedCopy(r.ttft), 99), ttftMax: Math.max(...r.ttft), requestLegP50: p50(r.requestLeg), clientLegP50: p50(r.clientLeg), chunkLegP50: p50(r.chunkLeg), cpuMsPerStream: (cpuMs(stack.gateway.pid!) - before) / r.completed }));
      continue;
    }
    const r = await wrkLoad(target, body, Number(conc), Number(seconds), expect);
    await sleep(600);
    console.log(JSON.stringify({ ...r, rssMb: rssMb(stack.gateway.pid!), usage: await stack.usage?.tally() }));
  }
} finally {
  await stack.stop();
}
