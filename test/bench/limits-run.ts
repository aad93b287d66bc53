/**
 * `npm run bench:limits`: only the limits-and-budgets section of `npm run bench` (see limits-bench.ts), for quick
 * before/after figures of the limiter. Same environment variables as run.ts (BENCH_DURATION_S, BENCH_ROUNDS,
 * REDIS_URL, BENCH_DP_MAIN).
 */
import { requireWrk } from './load.js';
import { benchLimits } from './limits-bench.js';
import { startBenchStack } from './stack.js';

requireWrk();
const stack = await startBenchStack();
try {
  const plainBody = JSON.stringify({ model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] });
  const { text } = await benchLimits(stack, plainBody, Number(process.env.BENCH_ROUNDS ?? 2), Number(process.env.BENCH_DURATION_S ?? 5), process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  console.log(`Tollgate limits benchmark: ${new Date().toISOString()}, node ${process.version}\n${text}`);
} finally {
  await stack.stop();
}
