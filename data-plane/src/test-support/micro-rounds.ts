import type { Redis } from 'ioredis';

/** One timed round of a micro-benchmark: operations done, the process's CPU and Redis's (µs), and the time taken (ms). */
export interface MicroRound {
  readonly operations: number;
  readonly cpuUs: number;
  readonly redisCpuUs: number;
  readonly ms: number;
}

/** Redis's CPU seconds so far (user + system, main thread and all), from `INFO cpu`. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = (await redis.call('info', ['cpu'])) as string;
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * Runs `concurrency` copies of `loop` (each runs until the time it is given, counting its operations in `count`) for a
 * second of warm-up, then `rounds` rounds of `seconds`, and reports each round (Redis's CPU 0 without Redis).
 */
export async function microRounds(options: {
  readonly concurrency: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly redis: Redis | null;
  readonly loop: (until: number) => Promise<void>;
  readonly count: () => number;
  readonly report: (round: MicroRound) => void;
}): Promise<void> {
  const { redis } = options;
  if (redis !== null && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  for (let r = 0; r < options.rounds + 1; r++) {
    const start = options.count();
    const redisBefore = redis === null ? 0 : await redisCpuSeconds(redis);
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, () => options.loop(t0 + (r === 0 ? 1_000 : options.seconds * 1_000))));
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - t0;
    const redisCpuUs = redis === null ? 0 : ((await redisCpuSeconds(redis)) - redisBefore) * 1e6;
    if (r > 0) options.report({ operations: options.count() - start, cpuUs: used.user + used.system, redisCpuUs, ms });
  }
}
