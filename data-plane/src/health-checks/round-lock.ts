import { failFastRedis } from '../redis/connection.js';
import type { Logger } from '../logger.js';

/** Decides which data plane runs a periodic round of health checks. */
export interface RoundLock {
  /** Whether this data plane takes `round`: true for the first to ask. */
  claim(round: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One data plane per round across all that share Redis: `SET tg:health:round:<round> <data plane> NX PX <ttl>`, which
 * only the first to ask gets. While Redis cannot answer, every data plane takes the round (logged once per outage):
 * a few duplicate checks cost less than no checks at all, and it is what data planes without Redis do anyway.
 * A connection of its own, made only when periodic checks are on.
 */
export function redisRoundLock(url: string, dataPlaneId: string, logger: Logger): RoundLock {
  const redis = failFastRedis(url);
  // Errors surface as failed claims below; ioredis reconnects by itself.
  redis.on('error', () => undefined);
  let outage = false;
  return {
    async claim(round, ttlMs) {
      try {
        const taken = (await redis.set(`tg:health:round:${round}`, dataPlaneId, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
        if (outage) logger.info('periodic health checks: Redis answers again; one data plane per round');
        outage = false;
        return taken;
      } catch (err) {
        if (!outage) logger.warn('periodic health checks: Redis did not answer; this data plane checks this round itself', { error: err instanceof Error ? err.message : String(err) });
        outage = true;
        return true;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
