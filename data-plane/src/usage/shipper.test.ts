import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '@tollgate/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { FakeControlPlane } from '../test-support/fake-control-plane.js';
import { waitFor } from '../test-support/wait.js';
import { INGEST_USAGE_MUTATION, UsageShipper } from './shipper.js';

let seq = 0;
function event(overrides: Partial<UsageEvent> = {}): UsageEvent {
  seq++;
  return {
    requestId: `req-${seq}`,
    keyId: 'k1',
    teamId: null,
    model: 'mock-gpt',
    modelId: 'm1',
    provider: 'mock',
    route: '/v1/chat/completions',
    stream: false,
    status: 'success',
    httpStatus: 200,
    errorType: null,
    errorMessage: null,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    cost: '0.000020000000',
    startedAt: new Date().toISOString(),
    durationMs: 1,
    ttftMs: null,
    endUser: null,
    dataPlaneId: 'dp-test',
    metadata: {},
    tags: [],
    ...overrides,
  };
}

describe('UsageShipper', () => {
  let cp: FakeControlPlane;
  let shipper: UsageShipper | undefined;

  beforeEach(async () => {
    cp = await new FakeControlPlane().start();
  });
  afterEach(async () => {
    await shipper?.close(500);
    shipper = undefined;
    await cp.close();
  });

  const start = (overrides: Partial<ConstructorParameters<typeof UsageShipper>[0]> = {}) => {
    const url = overrides.url ?? cp.url;
    shipper = new UsageShipper({ dataPlaneToken: 'dp-token', logger: silentLogger, flushMs: 10, ...overrides, url });
    shipper.start();
    return shipper;
  };

  it('posts the ingestUsage mutation with the data-plane token', async () => {
    const s = start();
    const e = event();
    s.enqueue(e);
    await waitFor(() => cp.acknowledged.has(e.requestId), 'ack');
    expect(cp.calls[0]!.authorization).toBe('Bearer dp-token');
    expect(cp.calls[0]!.query).toBe(INGEST_USAGE_MUTATION);
    expect(cp.calls[0]!.events).toEqual([e]);
    await waitFor(() => s.pending === 0, 'queue empty');
  });

  it('retries with backoff until the control plane acknowledges, then stops sending', async () => {
    cp.failNext = 4;
    const s = start();
    const e = event();
    const t0 = Date.now();
    s.enqueue(e);
    await waitFor(() => cp.acknowledged.has(e.requestId), 'ack after retries');
    expect(cp.calls).toHaveLength(5);
    expect(cp.calls.every((c) => c.events.length === 1 && c.events[0]!.requestId === e.requestId)).toBe(true);
    // Backoff 10, 20, 40, 80 ms (±20 %) between the five attempts: well over four plain ticks.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(cp.calls).toHaveLength(5);
    expect(s.pending).toBe(0);
  });

  it('never resends an acknowledged event; resends only what was left unacknowledged', async () => {
    const s = start();
    const [a, b, c] = [event(), event(), event()];
    cp.ignore.add(b.requestId);
    s.enqueue(a);
    s.enqueue(b);
    s.enqueue(c);
    await waitFor(() => cp.calls.length >= 2, 'a retry');
    cp.ignore.clear();
    await waitFor(() => cp.acknowledged.has(b.requestId), 'b acknowledged');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sent = cp.received.map((e) => e.requestId);
    expect(sent.filter((id) => id === a.requestId)).toHaveLength(1);
    expect(sent.filter((id) => id === c.requestId)).toHaveLength(1);
    expect(sent.filter((id) => id === b.requestId).length).toBeGreaterThanOrEqual(2);
    expect(cp.calls.slice(1).every((call) => call.events.every((e) => e.requestId === b.requestId))).toBe(true);
    expect(s.pending).toBe(0);
  });

  it('drops rejected events instead of retrying them', async () => {
    const s = start();
    const bad = event();
    cp.reject.add(bad.requestId);
    s.enqueue(bad);
    await waitFor(() => s.pending === 0, 'rejected event dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cp.calls).toHaveLength(1);
  });

  it('sends a full batch of 100 at once and splits larger backlogs into batches of 100', async () => {
    const s = start({ flushMs: 60_000 });
    for (let i = 0; i < 250; i++) s.enqueue(event());
    // The remaining 50 wait for the timer, or for close().
    await waitFor(() => s.pending === 50, 'two full batches acknowledged');
    expect(cp.calls.map((c) => c.events.length)).toEqual([100, 100]);
    await s.close(1_000);
    expect(cp.calls.map((c) => c.events.length)).toEqual([100, 100, 50]);
    expect(cp.acknowledged.size).toBe(250);
  });

  it('grows batches towards maxBatchSize while a backlog waits, and back to batchSize after', async () => {
    const s = start({ flushMs: 60_000, batchSize: 10, maxBatchSize: 50 });
    for (let i = 0; i < 200; i++) s.enqueue(event());
    await waitFor(() => s.pending === 0, 'backlog shipped');
    expect(cp.calls.map((c) => c.events.length)).toEqual([10, 50, 50, 50, 10, 10, 10, 10]);
    expect(cp.acknowledged.size).toBe(200);
  });

  it('drops the oldest waiting events beyond the spool cap, never the batch in flight, and counts them', async () => {
    cp.failNext = 1;
    // Events of about 450 bytes; 16 KiB of them, in 4 KiB segments.
    const s = start({ flushMs: 60_000, batchSize: 5, spool: { maxBytes: 16_384, segmentBytes: 4_096 } });
    const events = Array.from({ length: 200 }, () => event());
    for (const e of events.slice(0, 5)) s.enqueue(e);
    // The first five are in flight, fail once and wait for close() (the backoff is long); the rest, five a turn,
    // overflow the spool.
    for (const [i, e] of events.slice(5).entries()) {
      s.enqueue(e);
      if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    await s.close(2_000);
    const acknowledged = [...cp.acknowledged.keys()];
    expect(s.dropped).toBeGreaterThan(100);
    expect(acknowledged.length).toBeGreaterThan(25);
    expect(acknowledged).toHaveLength(200 - s.dropped);
    // The batch in flight and then the newest, in order.
    expect(acknowledged).toEqual([...events.slice(0, 5), ...events.slice(5 + s.dropped)].map((e) => e.requestId));
  });

  it('flushes on close, retrying within the deadline', async () => {
    const s = start({ flushMs: 60_000 });
    cp.failNext = 2;
    const e = event();
    s.enqueue(e);
    await s.close(2_000);
    expect(cp.acknowledged.has(e.requestId)).toBe(true);
    expect(s.pending).toBe(0);
  });

  it('gives up at the close deadline when the control plane stays unreachable', async () => {
    await cp.close();
    const s = start({ url: 'http://127.0.0.1:1/graphql', flushMs: 60_000 });
    s.enqueue(event());
    const t0 = Date.now();
    await s.close(300);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(s.pending).toBe(1);
    cp = await new FakeControlPlane().start();
  });

  describe('with a spool directory', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'tollgate-shipper-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const restart = async (overrides: Partial<ConstructorParameters<typeof UsageShipper>[0]> = {}) => {
      await shipper?.close(500);
      return start({ spool: { dir }, ...overrides });
    };

    it('keeps what the control plane did not acknowledge by shutdown, and ships it first, once, on the next start', async () => {
      const s = start({ url: 'http://127.0.0.1:1/graphql', flushMs: 60_000, spool: { dir } });
      const early = Array.from({ length: 5 }, () => event());
      for (const e of early) s.enqueue(e);
      await s.close(200);
      expect(s.pending).toBe(5);
      const next = await restart({ flushMs: 60_000 });
      const late = event();
      next.enqueue(late);
      await next.close(1_000);
      expect(cp.received.map((e) => e.requestId)).toEqual([...early, late].map((e) => e.requestId));
    });

    it('does not send an acknowledged batch again after a restart', async () => {
      const s = start({ spool: { dir } });
      const sent = [event(), event(), event()];
      for (const e of sent) s.enqueue(e);
      await waitFor(() => s.pending === 0, 'acknowledged');
      const next = await restart();
      const e = event();
      next.enqueue(e);
      await waitFor(() => cp.acknowledged.has(e.requestId), 'the new event');
      expect(cp.received.map((r) => r.requestId)).toEqual([...sent, e].map((r) => r.requestId));
    });

    it('after a restart resends from the first event left unacknowledged; the events after it were already acknowledged', async () => {
      const s = start({ spool: { dir } });
      const [a, b, c] = [event(), event(), event()];
      cp.ignore.add(b.requestId);
      for (const e of [a, b, c]) s.enqueue(e);
      await waitFor(() => cp.acknowledged.has(c.requestId), 'a and c acknowledged');
      // Stopped with b still unacknowledged (as a crash would leave it): b and c stay past the cursor.
      await s.close(0);
      cp.ignore.clear();
      const next = start({ spool: { dir }, flushMs: 10 });
      await waitFor(() => next.pending === 0, 'b and c shipped');
      const sent = cp.received.map((e) => e.requestId);
      expect(sent.filter((id) => id === a.requestId)).toHaveLength(1);
      // c once more: harmless, the control plane's ingest is idempotent by request id.
      expect(sent.slice(-2)).toEqual([b.requestId, c.requestId]);
      expect([...cp.acknowledged.keys()].sort()).toEqual([a, b, c].map((e) => e.requestId).sort());
    });
  });
});
