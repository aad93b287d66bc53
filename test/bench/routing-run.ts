/**
 * `npm run bench:routing`: only the routing section of `npm run bench` (see routing-bench.ts). Same environment
 * variables as run.ts (BENCH_DURATION_S, BENCH_ROUNDS, BENCH_DP_MAIN).
 */
import { requireWrk } from './load.js';
import { benchRouting } from './routing-bench.js';
import { startBenchStack } from './stack.js';

requireWrk();
const stack = await startBenchStack();
try {
  const { text } = await benchRouting(stack, Number(process.env.BENCH_ROUNDS ?? 3), Number(process.env.BENCH_DURATION_S ?? 5));
  console.log(`Tollgate routing benchmark: ${new Date().toISOString()}, node ${process.version}\n${text}`);
} finally {
  await stack.stop();
}
