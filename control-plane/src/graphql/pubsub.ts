import type { PubSub } from 'type-graphql';
import { AsyncQueue } from '../util/async-queue.js';

export const Topic = {
  SpendUpdated: 'SPEND_UPDATED',
} as const;

/**
 * Topic pub/sub inside one process, for `@Subscription({ topics })`. Each subscriber has its own queue; one that
 * stops reading keeps only the newest message (every message carries running totals, so older ones add
 * nothing). Spanning several control-plane replicas would mean feeding `publish` from PostgreSQL LISTEN or Redis.
 */
export class InProcessPubSub implements PubSub {
  private readonly topics = new Map<string, Set<AsyncQueue<unknown>>>();

  constructor(private readonly maxPending = 16) {}

  publish(topic: string, ...args: unknown[]): void {
    const payload = args[0];
    for (const queue of this.topics.get(topic) ?? []) {
      if (queue.size >= this.maxPending) queue.clear();
      queue.push(payload);
    }
  }

  subscribe(topic: string): AsyncIterableIterator<unknown, undefined> {
    const subscribers = this.topics.get(topic) ?? new Set<AsyncQueue<unknown>>();
    this.topics.set(topic, subscribers);
    const queue: AsyncQueue<unknown> = new AsyncQueue<unknown>(() => subscribers.delete(queue));
    subscribers.add(queue);
    return queue;
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    for (const subscribers of this.topics.values()) for (const queue of [...subscribers]) queue.close();
    this.topics.clear();
  }
}
