/**
 * One benchmark load against the gateway only, for profiling and quick A/B checks:
 * `tsx test/bench/profile.ts <plain|stream> [seconds=5] [connections=64] [rounds=1]`.
 * The data plane runs under the V8 CPU profiler (cpu-profile.cjs; the profile is written to BENCH_PROF_DIR, default
 * /tmp/prof, when it stops) unless BENCH_NO_PROF=1. Extra data-plane Node flags: BENCH_DP_NODE_OPTIONS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMb, wrkLoad } from './load.js';
import { startBenchStack } from './stack.js';
import { STREAM_CHUNKS } from './upstream.js';

const [mode = 'plain', seconds = '5', conc = '64', rounds = '1'] = process.argv.slice(2);
const dir = process.env.BENCH_PROF_DIR ?? '/tmp/prof';
const flags = [process.env.BENCH_NO_PROF ? '' : `--require ${new URL('./cpu-profile.cjs', import.meta.url).pathname}`, process.env.BENCH_DP_NODE_OPTIONS ?? ''].join(' ').trim();
const stack = await startBenchStack({ ...(flags && { NODE_OPTIONS: flags }), BENCH_PROF_DIR: dir });
const plain = JSON.stringify({ model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] });
const stream = JSON.stringify({ model: 'bench-gpt', stream: true, bench_gap_ms: 0, messages: [{ role: 'user', content: 'Count.' }] });
const body = mode === 'plain' ? plain : stream;
const expect = mode === 'plain' ? undefined : STREAM_CHUNKS;
try {
  await wrkLoad(stack.gateway, body, 16, 2, expect);
  for (let i = 0; i < Number(rounds); i++) {
    console.error('load starts');
    const r = await wrkLoad(stack.gateway, body, Number(conc), Number(seconds), expect);
    await sleep(600);
    console.log(JSON.stringify({ ...r, rssMb: rssMb(stack.gateway.pid!), usage: await stack.usage?.tally() }));
  }
} finally {
  await stack.stop();
}
