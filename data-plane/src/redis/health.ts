import { failFastRedis } from './connection.js';
import type { Logger } from '../logger.js';

export interface RedisHealth {
  /** True when Redis answered PING within the timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The Redis connection readiness depends on. Counters (rate limits, budgets) will share it later; for now only
 * readiness uses it. Commands fail fast while disconnected (no offline queue) so a readiness probe never hangs
 * on a dead Redis; ioredis keeps reconnecting in the background.
 */
export function redisHealth(url: string, logger: Logger, timeoutMs = 1_000): RedisHealth {
  const redis = failFastRedis(url);
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis emits one error per failed reconnect; log changes, not repetitions.
    if (err.message !== lastError) logger.warn('redis error', { error: err.message });
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info('redis connection restored');
    lastError = '';
  });

  return {
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
      try {
        return await Promise.race([redis.ping().then((r) => r === 'PONG', () => false), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
