/**
 * The bench upstream in a process of its own (`BENCH_UPSTREAM_PROCESS=1`; started by `stack.ts` with
 * `helper-process.ts`, on the load client's core): the load client's event loop and the upstream's no longer wait
 * for each other, so the time a request takes to reach the upstream, and the first chunk to leave it, is less the
 * load client's congestion. Prints `{"port": …}` once listening; the marks are at `GET /bench/marks`.
 */
import { startBenchUpstream } from './upstream.js';

const upstream = await startBenchUpstream();
process.stdout.write(`${JSON.stringify({ port: upstream.port })}\n`);
process.on('SIGTERM', () => {
  upstream.close();
  process.exit(0);
});
