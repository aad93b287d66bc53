import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A Redis connection for the request path's helpers (limits, shared router state, readiness, health-check rounds):
 * commands fail at once while it is down (no offline queue, no retries per command) instead of piling up or making a
 * caller wait, connecting gives up after 2 s, and ioredis keeps reconnecting in the background (every 200 ms more,
 * up to 2 s apart). `commandTimeoutMs` bounds a command on a connection that is up but does not answer.
 */
export function failFastRedis(url: string, options: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    ...(options.commandTimeoutMs !== undefined && { commandTimeout: options.commandTimeoutMs }),
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

/** A Lua script with its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA; the first time after Redis lost its script cache (NOSCRIPT: a restart), EVAL, which loads it again. */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  const command: Array<string | number> = [script.sha, keys.length, ...keys, ...args];
  try {
    return await redis.call('evalsha', command);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    command[0] = script.source;
    return await redis.call('eval', command);
  }
}
