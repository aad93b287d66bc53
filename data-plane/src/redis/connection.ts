import { createHash } from 'node:crypto';
import { Command, Redis } from 'ioredis';

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
  const tail = encodeArgs(keys.length, keys, args);
  const count = 3 + keys.length + args.length;
  try {
    return await redis.sendCommand(new EncodedCommand('evalsha', `*${count}\r\n$7\r\nevalsha\r\n${bulk(script.sha)}${tail}`));
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return await redis.sendCommand(new EncodedCommand('eval', `*${count}\r\n$4\r\neval\r\n${bulk(script.source)}${tail}`));
  }
}

/**
 * A command whose bytes (RESP) the caller built: a limiter call carries a hundred arguments and more, and ioredis's
 * own work on each (flattening the array, converting numbers, encoding) cost as much as the rest of its handling of
 * the command. Replies (as UTF-8 strings, as `call` gives them), timeouts and errors are ioredis's as usual.
 */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly encoded: string,
  ) {
    super(name, [], { replyEncoding: 'utf8' });
  }

  override toWritable(): string {
    return this.encoded;
  }
}

function encodeArgs(numKeys: number, keys: readonly string[], args: ReadonlyArray<string | number>): string {
  let out = bulk(String(numKeys));
  for (const key of keys) out += bulk(key);
  for (const arg of args) out += bulk(typeof arg === 'string' ? arg : String(arg));
  return out;
}

/** One RESP bulk string. */
function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}
