import { hashKey, type ConfigChange, type ConfigSnapshotInput } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { ConfigPublisher, type ConfigUpdate } from './config-publisher.js';
import type { ChangeBatch, ConfigReader, VersionedChange } from './config-source.js';

/** An in-memory config history standing in for PostgreSQL. */
class FakeReader implements ConfigReader {
  readonly history: VersionedChange[] = [];
  failSnapshots = false;
  reads = 0;
  snapshotReads = 0;
  /** Keys every snapshot carries. */
  keys: ConfigSnapshotInput['keys'] = [];
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

  async snapshot(): Promise<ConfigSnapshotInput> {
    this.snapshotReads += 1;
    // The version when the read starts, as a transaction would see it; the read takes a moment, so subscribers
    // arriving meanwhile can share it.
    const version = this.version;
    await tick();
    if (this.failSnapshots) throw new Error('database unavailable');
    return { version, generatedAt: new Date().toISOString(), models: [], teams: [], keys: this.keys };
  }

  async changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch> {
    this.reads += 1;
    const rows = this.history.filter((c) => c.version > Math.max(afterVersion, this.purgedThrough)).slice(0, rowLimit);
    return { head: rows.at(-1)?.version ?? afterVersion, changes: rows, rows: rows.length, purgedThrough: this.purgedThrough };
  }
}

const deleteKey = (id: string): ConfigChange => ({ op: 'deleteKey', id });
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `k${i}`, hash: hashKey(`k${i}`), prefix: `sk-tg-k${i}` }));

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

  it('should send a snapshot in parts to a subscriber that takes them, and whole to one that does not', async () => {
    const reader = new FakeReader();
    reader.add(deleteKey('a'));
    reader.keys = keys(25);
    const publisher = await started(reader, { keysPerPart: 10 });
    const parts = publisher.subscribe(['snapshotParts']);
    const whole = publisher.subscribe();
    const received = [await take(parts), await take(parts), await take(parts)].map((u) => u.message);
    expect(received.map((m) => m.kind === 'snapshotPart' && [m.version, m.part, m.last, m.snapshot.keys.length])).toEqual([
      [1, 0, false, 10],
      [1, 1, false, 10],
      [1, 2, true, 5],
    ]);
    expect((await take(whole)).message).toMatchObject({ kind: 'snapshot', version: 1, snapshot: { keys: reader.keys } });
    // Both were served by one read of the snapshot.
    expect(reader.snapshotReads).toBe(1);
    reader.add(deleteKey('b'));
    publisher.notify();
    expect((await take(parts)).message).toEqual({ kind: 'delta', fromVersion: 1, version: 2, changes: [deleteKey('b')] });
    await publisher.stop();
  });

  it('should count a snapshot in parts as one queued message, however many parts it has', async () => {
    const reader = new FakeReader();
    reader.keys = keys(30);
    const publisher = await started(reader, { maxPending: 2, keysPerPart: 1 });
    const stream = publisher.subscribe(['snapshotParts']);
    await tick();
    await tick(); // the snapshot's 30 parts queued, none read
    reader.add(deleteKey('x'));
    publisher.notify();
    await tick();
    const messages: ConfigUpdate[] = [];
    for (let i = 0; i < 31; i++) messages.push(await take(stream));
    expect(messages.slice(0, 30).every((m, i) => m.message.kind === 'snapshotPart' && m.message.part === i)).toBe(true);
    expect(messages[30]!.message).toMatchObject({ kind: 'delta', fromVersion: 0, version: 1 });
    expect(reader.snapshotReads).toBe(1);
    await publisher.stop();
  });

  it('should drop the rest of a snapshot in parts for a subscriber that fell behind, and start a fresh one', async () => {
    const reader = new FakeReader();
    reader.keys = keys(3);
    const publisher = await started(reader, { maxPending: 2, keysPerPart: 1 });
    const stream = publisher.subscribe(['snapshotParts']);
    expect((await take(stream)).message).toMatchObject({ kind: 'snapshotPart', part: 0 });
    for (let i = 0; i < 4; i++) {
      reader.add(deleteKey(`k${i}`));
      publisher.notify();
      await tick();
    }
    const next = (await take(stream)).message;
    // A new snapshot from its part 0 (the data plane starts over), not the rest of the abandoned one.
    expect(next).toMatchObject({ kind: 'snapshotPart', part: 0 });
    expect((next as { version: number }).version).toBeGreaterThanOrEqual(3);
    await publisher.stop();
  });

  it('should send health-check requests only to subscribers that listed healthChecks, after their snapshot, without moving their version', async () => {
    const reader = new FakeReader();
    reader.add(deleteKey('a'));
    const publisher = await started(reader);
    const request = { kind: 'healthCheck' as const, requestId: '6f1c2a8e-0b7d-4c55-9a3e-2f4b8d9e1c70', modelIds: null };
    const checking = publisher.subscribe(['healthChecks']);
    const older = publisher.subscribe();
    // Asked while both snapshots are still being read: held until the snapshot is queued, so that stays first.
    expect(publisher.sendHealthCheck(request)).toBe(1);
    expect(await take(checking)).toMatchObject({ version: 1, message: { kind: 'snapshot', version: 1 } });
    expect(await take(checking)).toEqual({ version: 1, message: request });
    expect(await take(older)).toMatchObject({ message: { kind: 'snapshot' } });

    // Deltas go on from the version the subscriber had; the older subscriber gets them and nothing else.
    reader.add(deleteKey('b'));
    publisher.notify();
    expect((await take(checking)).message).toEqual({ kind: 'delta', fromVersion: 1, version: 2, changes: [deleteKey('b')] });
    expect((await take(older)).message).toEqual({ kind: 'delta', fromVersion: 1, version: 2, changes: [deleteKey('b')] });
    expect(publisher.sendHealthCheck(request)).toBe(1);
    expect(await take(checking)).toEqual({ version: 2, message: request });
    await publisher.stop();
  });

  it('should gather subject spend into one message per interval, the highest figure per subject and period, for subscribers that listed subjectSpend', async () => {
    const reader = new FakeReader();
    reader.add(deleteKey('a'));
    const publisher = await started(reader, { spendIntervalMs: 20 });
    const taking = publisher.subscribe(['subjectSpend']);
    const older = publisher.subscribe();
    expect(await take(taking)).toMatchObject({ message: { kind: 'snapshot', version: 1 } });
    expect(await take(older)).toMatchObject({ message: { kind: 'snapshot', version: 1 } });
    // Two batches' notifications, arriving out of commit order, and a figure of the period after.
    publisher.sendSubjectSpend([['key', 'k1', 3, 1_000], ['team', 't1', 1, null]]);
    publisher.sendSubjectSpend([['key', 'k1', 2, 1_000], ['end_user', 'alice', 0.5, 1_000]]);
    publisher.sendSubjectSpend([['team', 't1', 4, 2_000]]);
    expect(await take(taking)).toEqual({
      version: 1,
      message: { kind: 'subjectSpend', spend: [['key', 'k1', 3, 1_000], ['team', 't1', 4, 2_000], ['end_user', 'alice', 0.5, 1_000]] },
    });
    // The older subscriber got none of it: its next message is the next delta.
    reader.add(deleteKey('b'));
    publisher.notify();
    expect((await take(older)).message).toMatchObject({ kind: 'delta', fromVersion: 1, version: 2 });
    expect((await take(taking)).message).toMatchObject({ kind: 'delta', fromVersion: 1, version: 2 });
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
