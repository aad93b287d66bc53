type Waiter<T> = { resolve: (result: IteratorResult<T, undefined>) => void; reject: (err: unknown) => void };

/**
 * A push-based async iterator: one per subscriber. Producers `push`; the GraphQL executor pulls with `next()`.
 *
 * Written by hand rather than as an async generator because a generator suspended on an `await` cannot be
 * stopped: `return()` waits until the next `yield`, so an idle subscriber whose client went away would leak.
 * Here `return()` (called by graphql-ws when a client completes or disconnects) settles immediately and runs
 * `onClose`, which unregisters the subscriber.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T, undefined> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private failure: { error: unknown } | null = null;
  private done = false;

  constructor(private readonly onClose?: () => void) {}

  /** Items queued and not yet taken: how far the consumer is behind. */
  get size(): number {
    return this.items.length;
  }

  get closed(): boolean {
    return this.done;
  }

  /** Queues an item; returns false once the queue is closed. */
  push(item: T): boolean {
    if (this.done) return false;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
    return true;
  }

  /** Drops everything not yet taken (the producer replaces it with something fresher). */
  clear(): void {
    this.items.length = 0;
  }

  /** Ends the stream with an error after the items already queued. */
  fail(error: unknown): void {
    if (this.done) return;
    this.failure = { error };
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.finish();
  }

  /** Ends the stream; pending items are discarded. */
  close(): void {
    if (this.done) return;
    this.items.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    this.finish();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.done = true;
    this.onClose?.();
  }
}
