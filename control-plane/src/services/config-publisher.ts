import { performance } from 'node:perf_hooks';
import {
  ConfigMessage,
  snapshotParts,
  type ConfigChangeInput,
  type ConfigFeature,
  type ConfigMessageInput,
  type ConfigSnapshotInput,
  type ConfigStreamMessageInput,
  type HealthCheckMessage,
  type SubjectSpendEntry,
  type SubjectSpendMessage,
} from '@tollgate/schema';
import { errorMessage, type Logger } from '../logger.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ConfigReader, VersionedChange } from './config-source.js';

/**
 * One message on the `gatewayConfig` subscription (in the wire form: keys without their default fields). A health-check
 * request carries the version the subscriber is at, unchanged: it is not config.
 */
export interface ConfigUpdate {
  version: number;
  message: ConfigStreamMessageInput | HealthCheckMessage | SubjectSpendMessage;
}

/** A snapshot queued for a subscriber that takes parts: one queue item, its part messages made as they are sent. */
interface SnapshotInParts {
  version: number;
  parts: Iterator<ConfigUpdate>;
}

type QueueItem = ConfigUpdate | SnapshotInParts;

export interface ConfigPublisherOptions {
  /** Messages a subscriber may leave unread before it is considered behind and gets a fresh snapshot instead. */
  maxPending?: number;
  /** Change rows kept in memory to build deltas; a subscriber older than that gets a snapshot. */
  window?: number;
  /** Delay before retrying after PostgreSQL failed to answer. */
  retryMs?: number;
  /** Keys per `snapshotPart` message, for subscribers that take snapshots in parts. */
  keysPerPart?: number;
  /** Subject spend is gathered this long and sent as one message (`sendSubjectSpend`). */
  spendIntervalMs?: number;
}

interface Subscriber {
  queue: AsyncQueue<QueueItem>;
  stream: SubscriberStream;
  /** The version of the last message queued for it; null while its snapshot is being loaded. */
  version: number | null;
  /** Takes snapshots as `snapshotPart` messages (it listed the `snapshotParts` feature). */
  parts: boolean;
  /** Takes the org, user, end-user and tag ops in deltas (it listed the `governedSubjects` feature). */
  governed: boolean;
  /** Takes `setRouter` in deltas (it listed the `routing` feature). */
  routing: boolean;
  /** Takes `healthCheck` messages (it listed the `healthChecks` feature). */
  healthChecks: boolean;
  /** Takes `subjectSpend` messages (it listed the `subjectSpend` feature). */
  subjectSpend: boolean;
  /** Health-check requests and subject spend that came while its snapshot was being read: sent right after it. */
  held: Array<HealthCheckMessage | SubjectSpendMessage>;
}

/** Delta ops only subscribers that listed the `governedSubjects` feature understand. */
const GOVERNED_OPS: ReadonlySet<ConfigChangeInput['op']> = new Set([
  'upsertOrg', 'deleteOrg', 'upsertUser', 'deleteUser', 'upsertEndUser', 'deleteEndUser', 'upsertTag', 'deleteTag',
]);
/** Delta ops only subscribers that listed the `routing` feature understand. */
const ROUTING_OPS: ReadonlySet<ConfigChangeInput['op']> = new Set(['setRouter']);

/** Whether a subscriber understands a delta op (an older data plane refuses a whole delta for an op it does not know). */
function understands(subscriber: Subscriber, op: ConfigChangeInput['op']): boolean {
  if (GOVERNED_OPS.has(op)) return subscriber.governed;
  if (ROUTING_OPS.has(op)) return subscriber.routing;
  return true;
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
 *
 * Snapshots are read once for every subscriber that asks while one is being read (a restart of N data planes
 * costs one read, not N). A subscriber that listed the `snapshotParts` feature gets it as `snapshotPart` messages,
 * each made when graphql-ws takes it (so a 500,000-key snapshot is never one string); others get one `snapshot`.
 * Either way the snapshot counts as one queued item for the backlog limit. Deltas carry org, user, end-user and tag
 * changes only to subscribers that listed the `governedSubjects` feature, and router settings (`setRouter`) only to
 * those that listed `routing`. Health-check requests (`sendHealthCheck`) go only to subscribers that listed
 * `healthChecks`, and the spend usage ingest counted (`sendSubjectSpend`) only to those that listed `subjectSpend`.
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
  private readonly keysPerPart: number | undefined;
  /** The snapshot being read, shared by every subscriber that asks meanwhile. */
  private reading: Promise<ConfigSnapshotInput> | null = null;
  /** Subject spend gathered since the last `subjectSpend` message, the highest per subject and period. */
  private spend = new Map<string, SubjectSpendEntry>();
  private spendTimer: NodeJS.Timeout | null = null;
  private readonly spendIntervalMs: number;

  constructor(
    private readonly source: ConfigReader,
    private readonly logger: Logger,
    options: ConfigPublisherOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 16;
    this.window = options.window ?? 1000;
    this.retryMs = options.retryMs ?? 1000;
    this.keysPerPart = options.keysPerPart;
    this.spendIntervalMs = options.spendIntervalMs ?? 250;
  }

  async start(): Promise<void> {
    this.head = this.floor = await this.source.currentVersion();
    this.started = true;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * A new subscriber's stream; `features` are the config features it understands (see ConfigFeature). Ending it
   * (`return()`) unregisters the subscriber.
   */
  subscribe(features: readonly ConfigFeature[] = []): AsyncIterableIterator<ConfigUpdate, undefined> {
    const queue = new AsyncQueue<QueueItem>(() => this.subscribers.delete(subscriber));
    const subscriber: Subscriber = {
      queue,
      stream: new SubscriberStream(queue),
      version: null,
      parts: features.includes('snapshotParts'),
      governed: features.includes('governedSubjects'),
      routing: features.includes('routing'),
      healthChecks: features.includes('healthChecks'),
      subjectSpend: features.includes('subjectSpend'),
      held: [],
    };
    this.subscribers.add(subscriber);
    void this.sendSnapshot(subscriber);
    return subscriber.stream;
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

  /**
   * Queues a health-check request for every subscriber that listed the `healthChecks` feature and returns how many
   * got it. It goes behind the config messages already queued, so a data plane checks the deployments of the config
   * it was sent before; it never changes a subscriber's version (deltas go on from where they were). A subscriber
   * whose snapshot is being read gets it right after the snapshot: the first message of a subscription stays a
   * snapshot. Like any queued message it is dropped when the subscriber falls so far behind that it gets a fresh
   * snapshot instead; the asking admin then hears from another data plane, or not at all.
   */
  sendHealthCheck(message: HealthCheckMessage): number {
    let sent = 0;
    for (const subscriber of this.subscribers) {
      if (!subscriber.healthChecks || subscriber.queue.closed) continue;
      if (subscriber.version === null) subscriber.held.push(message);
      else subscriber.queue.push({ version: subscriber.version, message });
      sent += 1;
    }
    return sent;
  }

  /**
   * Queues subject spend (see subject-spend.ts) for every subscriber that listed the `subjectSpend` feature. Gathered
   * for `spendIntervalMs` into one message, the latest figure per subject: usage ingest sends a batch's spend as it
   * commits, many times a second under load, and one message per batch could fill a slow subscriber's backlog and
   * cost it a snapshot. Like a health-check request it never changes a subscriber's version.
   */
  sendSubjectSpend(entries: readonly SubjectSpendEntry[]): void {
    if (this.stopped) return;
    for (const entry of entries) {
      const id = `${entry[0]}\u0000${entry[1]}`;
      const had = this.spend.get(id);
      if (had === undefined || had[3] !== entry[3] || had[2] < entry[2]) this.spend.set(id, entry);
    }
    this.spendTimer ??= setTimeout(() => {
      this.spendTimer = null;
      const message: SubjectSpendMessage = { kind: 'subjectSpend', spend: [...this.spend.values()] };
      this.spend = new Map();
      for (const subscriber of this.subscribers) {
        if (!subscriber.subjectSpend || subscriber.queue.closed) continue;
        if (subscriber.version === null) subscriber.held.push(message);
        else subscriber.queue.push({ version: subscriber.version, message });
      }
    }, this.spendIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.spendTimer) clearTimeout(this.spendTimer);
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
      subscriber.stream.dropPending();
      void this.sendSnapshot(subscriber);
      return;
    }
    const message: ConfigMessageInput = {
      kind: 'delta',
      fromVersion: from,
      version: this.head,
      // An older data plane would refuse the whole delta for an op it does not know, so it gets none of those (it
      // still moves to the new version: the rest of the config is the same for it).
      changes: this.recent.filter((c) => c.version > from && understands(subscriber, c.change.op)).map((c) => c.change),
    };
    const parsed = ConfigMessage.safeParse(message);
    if (!parsed.success) {
      this.logger.error('built an invalid config delta; sending a snapshot instead', { error: parsed.error.message });
      void this.sendSnapshot(subscriber);
      return;
    }
    // Sent as built (keys without default fields), now that it is known to parse.
    subscriber.queue.push({ version: this.head, message });
    subscriber.version = this.head;
  }

  /** The current snapshot, read once for all the subscribers that ask while it is being read. */
  private readSnapshot(): Promise<ConfigSnapshotInput> {
    if (this.reading) return this.reading;
    const started = performance.now();
    const reading = this.source.snapshot().then((snapshot) => {
      this.logger.info('config snapshot built', {
        version: snapshot.version,
        models: snapshot.models.length,
        teams: snapshot.teams.length,
        keys: snapshot.keys.length,
        users: snapshot.users?.length ?? 0,
        endUsers: snapshot.endUsers?.length ?? 0,
        ms: Math.round(performance.now() - started),
      });
      return snapshot;
    });
    this.reading = reading;
    const done = () => {
      if (this.reading === reading) this.reading = null;
    };
    reading.then(done, done);
    return reading;
  }

  private async sendSnapshot(subscriber: Subscriber): Promise<void> {
    subscriber.version = null;
    let snapshot: ConfigSnapshotInput;
    try {
      // Every entity in it was checked against the schema as it was read (see ConfigSource), so the snapshot is
      // not parsed again as a whole, which would also put every default field back into every key.
      snapshot = await this.readSnapshot();
    } catch (err) {
      // Ending the stream with an error makes the data plane reconnect (and keep serving its last config meanwhile).
      this.logger.error('loading a config snapshot failed', { error: errorMessage(err) });
      subscriber.queue.fail(err);
      return;
    }
    if (subscriber.queue.closed) return;
    const { version } = snapshot;
    if (subscriber.parts) {
      const parts = snapshotParts(snapshot, this.keysPerPart);
      subscriber.queue.push({ version, parts: map(parts, (message) => ({ version, message })) });
    } else {
      subscriber.queue.push({ version, message: { kind: 'snapshot', version, snapshot } });
    }
    subscriber.version = version;
    for (const message of subscriber.held.splice(0)) subscriber.queue.push({ version, message });
    // Changes may have been read while the snapshot was loading.
    this.deliver(subscriber);
  }
}

function* map<T, U>(items: Iterator<T>, f: (item: T) => U): Generator<U, void, undefined> {
  for (let next = items.next(); !next.done; next = items.next()) yield f(next.value);
}

/**
 * A subscriber's stream as graphql-ws reads it: the queue's items, with a snapshot in parts expanded into its
 * part messages one at a time. `return()` ends it at once (the queue's `return()` settles a pending `next()`).
 */
class SubscriberStream implements AsyncIterableIterator<ConfigUpdate, undefined> {
  private parts: Iterator<ConfigUpdate> | null = null;

  constructor(private readonly queue: AsyncQueue<QueueItem>) {}

  async next(): Promise<IteratorResult<ConfigUpdate, undefined>> {
    for (;;) {
      if (this.parts) {
        const part = this.parts.next();
        if (!part.done) return { value: part.value, done: false };
        this.parts = null;
      }
      const item = await this.queue.next();
      if (item.done) return item;
      if (!('parts' in item.value)) return { value: item.value, done: false };
      this.parts = item.value.parts;
    }
  }

  /** Drops everything not yet sent, including the rest of a snapshot being sent in parts. */
  dropPending(): void {
    this.queue.clear();
    this.parts = null;
  }

  async return(): Promise<IteratorResult<ConfigUpdate, undefined>> {
    this.parts = null;
    await this.queue.return();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
