import { ConfigMessage } from '@tollgate/schema';
import { errorMessage, type Logger } from '../logger.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ConfigReader, VersionedChange } from './config-source.js';

/** One message on the `gatewayConfig` subscription. */
export interface ConfigUpdate {
  version: number;
  message: ConfigMessage;
}

export interface ConfigPublisherOptions {
  /** Messages a subscriber may leave unread before it is considered behind and gets a fresh snapshot instead. */
  maxPending?: number;
  /** Change rows kept in memory to build deltas; a subscriber older than that gets a snapshot. */
  window?: number;
  /** Delay before retrying after PostgreSQL failed to answer. */
  retryMs?: number;
}

interface Subscriber {
  queue: AsyncQueue<ConfigUpdate>;
  /** The version of the last message queued for it; null while its snapshot is being loaded. */
  version: number | null;
}

/**
 * Streams config to data planes: a full snapshot first, then after each committed change a delta from the
 * version that subscriber last got. Deltas are built once per change from `recent` (the last `window` changes,
 * read from `config_change`) and sliced per subscriber, so N data planes cost one read, not N.
 *
 * `notify()` comes from two places: in process right after this replica commits a change, and from the
 * `tollgate_config` LISTEN connection for changes committed by any replica (see `PgListener`). Either only says
 * "read again": every delta is built from the database, never from the notification, so a lost or duplicated
 * notification costs at most a read.
 */
export class ConfigPublisher {
  private readonly subscribers = new Set<Subscriber>();
  private readonly maxPending: number;
  private readonly window: number;
  private readonly retryMs: number;
  /** Changes with versions in (floor, head], at most one per entity. */
  private recent: VersionedChange[] = [];
  private floor = 0;
  private head = 0;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;

  constructor(
    private readonly source: ConfigReader,
    private readonly logger: Logger,
    options: ConfigPublisherOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 16;
    this.window = options.window ?? 1000;
    this.retryMs = options.retryMs ?? 1000;
  }

  async start(): Promise<void> {
    this.head = this.floor = await this.source.currentVersion();
    this.started = true;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** A new subscriber's stream. Ending it (`return()`) unregisters the subscriber. */
  subscribe(): AsyncIterableIterator<ConfigUpdate, undefined> {
    const subscriber: Subscriber = {
      queue: new AsyncQueue<ConfigUpdate>(() => this.subscribers.delete(subscriber)),
      version: null,
    };
    this.subscribers.add(subscriber);
    void this.sendSnapshot(subscriber);
    return subscriber.queue;
  }

  /**
   * Config changed (a config transaction committed). Coalesces: one read catches up on any number of changes.
   * `version`, when known, skips the read if it was already read (this replica's own change, heard again over
   * LISTEN).
   */
  notify(version?: number): void {
    // Before start() there is nobody to tell, and start() reads the current version anyway.
    if (!this.started || this.stopped) return;
    if (version !== undefined && version <= this.head) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refreshLoop().finally(() => {
      this.refreshing = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const subscriber of [...this.subscribers]) subscriber.queue.close();
    await this.refreshing;
  }

  private async refreshLoop(): Promise<void> {
    do {
      this.refreshAgain = false;
      try {
        await this.readChanges();
      } catch (err) {
        this.logger.error('reading config changes failed; retrying', { error: errorMessage(err) });
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          this.notify();
        }, this.retryMs);
        return;
      }
      for (const subscriber of this.subscribers) this.deliver(subscriber);
    } while (this.refreshAgain && !this.stopped);
  }

  private async readChanges(): Promise<void> {
    for (;;) {
      const batch = await this.source.changesAfter(this.head, this.window);
      this.recent.push(...batch.changes);
      this.head = batch.head;
      // Rows up to `purgedThrough` were deleted by the retention job, perhaps before this replica read them:
      // only a subscriber already past them can be sent a delta.
      this.floor = Math.max(this.floor, batch.purgedThrough ?? 0);
      if (batch.rows < this.window) break;
    }
    if (this.recent[0] && this.recent[0].version <= this.floor) {
      this.recent = this.recent.filter((c) => c.version > this.floor);
    }
    if (this.recent.length > this.window) {
      const dropped = this.recent.splice(0, this.recent.length - this.window);
      this.floor = dropped.at(-1)?.version ?? this.floor;
    }
  }

  /** Brings one subscriber up to `head`: a delta when possible, a snapshot when it is behind or out of the window. */
  private deliver(subscriber: Subscriber): void {
    const from = subscriber.version;
    if (from === null || from >= this.head || subscriber.queue.closed) return;
    if (subscriber.queue.size >= this.maxPending || from < this.floor) {
      subscriber.queue.clear();
      void this.sendSnapshot(subscriber);
      return;
    }
    const parsed = ConfigMessage.safeParse({
      kind: 'delta',
      fromVersion: from,
      version: this.head,
      changes: this.recent.filter((c) => c.version > from).map((c) => c.change),
    });
    if (!parsed.success) {
      this.logger.error('built an invalid config delta; sending a snapshot instead', { error: parsed.error.message });
      void this.sendSnapshot(subscriber);
      return;
    }
    subscriber.queue.push({ version: this.head, message: parsed.data });
    subscriber.version = this.head;
  }

  private async sendSnapshot(subscriber: Subscriber): Promise<void> {
    subscriber.version = null;
    let message: ConfigMessage;
    try {
      const snapshot = await this.source.snapshot();
      message = ConfigMessage.parse({ kind: 'snapshot', version: snapshot.version, snapshot });
    } catch (err) {
      // Ending the stream with an error makes the data plane reconnect (and keep serving its last config meanwhile).
      this.logger.error('loading a config snapshot failed', { error: errorMessage(err) });
      subscriber.queue.fail(err);
      return;
    }
    if (subscriber.queue.closed) return;
    subscriber.queue.push({ version: message.version, message });
    subscriber.version = message.version;
    // Changes may have been read while the snapshot was loading.
    this.deliver(subscriber);
  }
}
