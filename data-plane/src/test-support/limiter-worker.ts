/**
 * A data plane's limiter in a process of its own, for tests that need several (`RedisLimiter` instances that share
 * nothing but Redis). Started with `fork(…, [redisUrl, keyPrefix, leaseMs], { serialization: 'advanced' })`; answers
 * each request message with a message carrying the same `id`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisLimiter } from '../limits/redis-limiter.js';
import type { AdmitInput, AdmitResult, SettleInput, Ticket } from '../limits/types.js';

export type WorkerCommand =
  /** Admits `inputs` from `atMs` (wall clock) on, one a millisecond, without waiting for answers in between. */
  | { readonly op: 'admit'; readonly inputs: readonly AdmitInput[]; readonly atMs: number }
  | { readonly op: 'settle'; readonly settles: ReadonlyArray<{ readonly requestId: string; readonly actual: SettleInput }> };

export type WorkerRequest = WorkerCommand & { readonly id: number };

export type WorkerReply = { readonly id: number; readonly results?: AdmitResult[] };

const [redisUrl, keyPrefix, leaseMs] = process.argv.slice(2);
const redis = new Redis(redisUrl!);
const limiter = new RedisLimiter(redis, { keyPrefix: keyPrefix!, leaseMs: Number(leaseMs) });
const tickets = new Map<string, Ticket>();

process.on('message', (message: WorkerRequest) => {
  void (async () => {
    if (message.op === 'admit') {
      // Every process starts at the same moment and sends a request a millisecond, so theirs interleave in Redis.
      await sleep(message.atMs - Date.now());
      const pending: Array<Promise<AdmitResult>> = [];
      for (const input of message.inputs) {
        pending.push(limiter.admit(input));
        await sleep(1);
      }
      const results = await Promise.all(pending);
      for (const result of results) if (result.ok) tickets.set(result.ticket.requestId, result.ticket);
      process.send!({ id: message.id, results } satisfies WorkerReply);
    } else {
      await Promise.all(
        message.settles.flatMap(({ requestId, actual }) => {
          const ticket = tickets.get(requestId);
          tickets.delete(requestId);
          return ticket ? [limiter.settle(ticket, actual)] : [];
        }),
      );
      process.send!({ id: message.id } satisfies WorkerReply);
    }
  })();
});
process.on('disconnect', () => void limiter.close().then(() => process.exit(0)));
await redis.ping();
process.send!({ id: 0 } satisfies WorkerReply);
