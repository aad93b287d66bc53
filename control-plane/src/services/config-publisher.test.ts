import type { ConfigChange, ConfigSnapshot } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { ConfigPublisher, type ConfigUpdate } from './config-publisher.js';
import type { ChangeBatch, ConfigReader, VersionedChange } from './config-source.js';

/** An in-memory config history standing in for PostgreSQL. */
class FakeReader implements ConfigReader {
  readonly history: VersionedChange[] = [];
  failSnapshots = false;
  reads = 0;
  /** Rows up to this version were deleted by the retention job. */
  purgedThrough = 0;

  get version(): number {
    return this.history.at(-1)?.version ?? 0;
  }

  add(change: ConfigChange): void {
    this.history.push({ version: this.version + 1, change });
  }

  async currentVersion(): Promise<number> {
    return this.version;
  }

  async snapshot(): Promise<ConfigSnapshot> {
    if (this.failSnapshots) throw new Error('database unavailable');
    return { version: this.version, generatedAt: new Date().toISOString(), models: [], teams: [], keys: [] };
  }

  async changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch> {
    this.reads += 1;
    const rows = this.history.filter((c) => c.version > Math.max(afterVersion, this.purgedThrough)).slice(0, rowLimit);
    return { head: rows.at(-1)?.version ?? afterVersion, changes: rows, rows: rows.length, purgedThrough: this.purgedThrough };
  }
}

const deleteKey = (id: string): ConfigChange => ({ op: 'deleteKey', id });
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

async function started(reader: FakeReader, options?: ConstructorParameters<typeof ConfigPublisher>[2]) {
  const publisher = new ConfigPublisher(reader, silentLogger, options);
  await publisher.start();
  return publisher;
}

async function take(stream: AsyncIterator<ConfigUpdate>): Promise<ConfigUpdate> {
  const result = await stream.next();
  if (result.done) throw new Error('stream ended');
  return result.value;
}

describe('ConfigPublisher', () => {
  it('should send a snapshot first, then one delta per notification from the version last sent', async () => {
    const reader = new FakeReader();
    reader.add(deleteKey('a'));
    const publisher = await started(reader);
    const stream = publisher.subscribe();
    expect((await take(stream)).message).toMatchObject({ kind: 'snapshot', version: 1 });

    reader.add(deleteKey('b'));
    reader.add(deleteKey('c'));
    publisher.notify();
    expect((await take(stream)).message).toEqual({
      kind: 'delta',
      fromVersion: 1,
      version: 3,
      changes: [deleteKey('b'), deleteKey('c')],
    });
    await publisher.stop();
  });

  it('should replace the backlog of a subscriber that stopped reading with one fresh snapshot', async () => {
    const reader = new FakeReader();
    const publisher = await started(reader, { maxPending: 3 });
    const stream = publisher.subscribe();
    await tick(); // snapshot queued, unread
    for (let i = 0; i < 5; i++) {
      reader.add(deleteKey(`k${i}`));
      publisher.notify();
      await tick();
    }
    const messages: ConfigUpdate[] = [];
    for (;;) {
      const message = await take(stream);
      messages.push(message);
      if (message.version === reader.version) break;
    }
    expect(messages.some((m) => m.message.kind === 'snapshot' && m.version > 0)).toBe(true);
    // Whatever it received, applying it in order lands on the current version without a gap.
    for (const [i, m] of messages.entries()) {
      if (m.message.kind === 'delta') expect(m.message.fromVersion).toBe(messages[i - 1]?.version);
    }
    await publisher.stop();
  });

  it('should send a snapshot to a subscriber older than the change window', async () => {
    const reader = new FakeReader();
    const publisher = await started(reader, { window: 2 });
    const stream = publisher.subscribe();
    expect((await take(stream)).message.kind).toBe('snapshot');
    for (let i = 0; i < 5; i++) reader.add(deleteKey(`k${i}`));
    publisher.notify();
    const next = await take(stream);
    expect(next.message).toMatchObject({ kind: 'snapshot', version: 5 });
    await publisher.stop();
  });

  it('should not read again when notified of a version it has already read (its own change, heard over LISTEN)', async () => {
    const reader = new FakeReader();
    const publisher = await started(reader);
    const stream = publisher.subscribe();
    await take(stream);
    reader.add(deleteKey('a'));
    publisher.notify(); // in process, right after commit
    expect((await take(stream)).version).toBe(1);
    const reads = reader.reads;
    publisher.notify(1); // the same change again, from the NOTIFY
    await tick();
    expect(reader.reads).toBe(reads);
    reader.add(deleteKey('b'));
    publisher.notify(2); // another replica's change
    expect((await take(stream)).version).toBe(2);
    expect(reader.reads).toBe(reads + 1);
    await publisher.stop();
  });

  it('should send a snapshot, not a delta with a hole, when change rows it never read were purged', async () => {
    const reader = new FakeReader();
    const publisher = await started(reader);
    const stream = publisher.subscribe();
    await take(stream);
    for (let i = 0; i < 5; i++) reader.add(deleteKey(`k${i}`));
    reader.purgedThrough = 3; // the retention job ran before this publisher heard of the changes
    publisher.notify();
    expect((await take(stream)).message).toMatchObject({ kind: 'snapshot', version: 5 });
    // Later changes are deltas again.
    reader.add(deleteKey('k5'));
    publisher.notify();
    expect((await take(stream)).message).toEqual({ kind: 'delta', fromVersion: 5, version: 6, changes: [deleteKey('k5')] });
    await publisher.stop();
  });

  it('should forget a subscriber whose stream was ended', async () => {
    const publisher = await started(new FakeReader());
    const stream = publisher.subscribe();
    expect(publisher.subscriberCount).toBe(1);
    await stream.return?.();
    expect(publisher.subscriberCount).toBe(0);
    await publisher.stop();
  });

  it('should end the stream with an error when no snapshot can be loaded', async () => {
    const reader = new FakeReader();
    reader.failSnapshots = true;
    const publisher = await started(reader);
    await expect(publisher.subscribe().next()).rejects.toThrow('database unavailable');
    expect(publisher.subscriberCount).toBe(0);
    await publisher.stop();
  });
});
