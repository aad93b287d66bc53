import { RouterConfig, type ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { ModelGroup, RuntimeModel } from '../config/runtime.js';
import { model } from '../test-support/fixtures.js';
import { backoffMs } from './route.js';
import { LATENCY_STALE_MS, Router, type RouteRequest } from './router.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const settings = RouterConfig.parse({ allowedFails: 3, failureWindowMs: 60_000, cooldownMs: 30_000, maxRetryAfterMs: 10_000 });
const plain: RouteRequest = { stream: false, promptTokens: null, outputTokens: 100, tags: new Set() };

function deployment(id: string, over: Partial<ModelConfig> = {}): RuntimeModel {
  return Object.freeze(model({ id, name: 'gpt', ...over }));
}

function group(...deployments: RuntimeModel[]): ModelGroup {
  return { name: 'gpt', deployments, tagged: deployments.some((d) => d.tags.length > 0), windowed: deployments.some((d) => d.maxInputTokens !== null) };
}

function pickId(router: Router, g: ModelGroup, strategy: RouterConfig['strategy'] = 'weighted', request: RouteRequest = plain, tried: ReadonlySet<string> = new Set(), now = NOW): string | null {
  return router.pick(g, strategy, request, tried, now).deployment?.id ?? null;
}

function counts(router: Router, g: ModelGroup, n: number, strategy: RouterConfig['strategy'] = 'weighted'): Map<string, number> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pickId(router, g, strategy)!;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

describe('Router.pick', () => {
  it('spreads requests in proportion to weight (within ±5% over 2,000 picks)', () => {
    const router = new Router();
    const seen = counts(router, group(deployment('a', { weight: 1 }), deployment('b', { weight: 3 }), deployment('c', { weight: 6 })), 2_000);
    expect(Math.abs(seen.get('a')! / 2_000 - 0.1)).toBeLessThan(0.05);
    expect(Math.abs(seen.get('b')! / 2_000 - 0.3)).toBeLessThan(0.05);
    expect(Math.abs(seen.get('c')! / 2_000 - 0.6)).toBeLessThan(0.05);
  });

  it('least busy: the deployment with the fewest requests in flight', () => {
    const router = new Router();
    const a = deployment('a');
    const b = deployment('b');
    router.started(a, NOW);
    router.started(a, NOW);
    router.started(b, NOW);
    expect(pickId(router, group(a, b), 'least_busy')).toBe('b');
    router.ended(b, { ttftMs: null, totalMs: 5, tokens: 10, outputTokens: 5 }, NOW);
    router.started(a, NOW);
    router.ended(a, null, NOW);
    // a: 2 in flight, b: 0.
    expect(counts(router, group(a, b), 20, 'least_busy')).toEqual(new Map([['b', 20]]));
  });

  it('lowest latency: every deployment is measured first, then the lowest moving average of TTFT (streams) or time per token wins', () => {
    const router = new Router();
    const a = deployment('a');
    const b = deployment('b');
    const g = group(a, b);
    const stream = { ...plain, stream: true };
    router.ended(a, { ttftMs: 40, totalMs: 400, tokens: 20, outputTokens: 10 }, NOW);
    // b was never measured: it goes first.
    expect(pickId(router, g, 'lowest_latency', stream)).toBe('b');
    router.ended(b, { ttftMs: 200, totalMs: 100, tokens: 20, outputTokens: 10 }, NOW);
    expect(pickId(router, g, 'lowest_latency', stream)).toBe('a');
    // Non-streamed: 10 ms per token (b) beats 40 (a).
    expect(pickId(router, g, 'lowest_latency', plain)).toBe('b');
    // b's TTFT comes down with new samples (moving average, not the first sample for ever).
    for (let i = 0; i < 10; i++) router.ended(b, { ttftMs: 10, totalMs: 100, tokens: 20, outputTokens: 10 }, NOW);
    expect(pickId(router, g, 'lowest_latency', stream)).toBe('b');
  });

  it('lowest latency: an average not sampled for 30 s gets one probe request, and that sample starts it afresh', () => {
    const router = new Router();
    const a = deployment('a');
    const b = deployment('b');
    const g = group(a, b);
    router.ended(a, { ttftMs: null, totalMs: 3_000, tokens: 20, outputTokens: 10 }, NOW); // a hiccup: 300 ms per token
    router.ended(b, { ttftMs: null, totalMs: 500, tokens: 20, outputTokens: 10 }, NOW);
    const later = NOW + LATENCY_STALE_MS - 1;
    router.ended(b, { ttftMs: null, totalMs: 500, tokens: 20, outputTokens: 10 }, later);
    expect(pickId(router, g, 'lowest_latency', plain, new Set(), later)).toBe('b');
    // 30 s on, a's figure is stale: one request goes there (not every one: b wins again while the probe is out).
    const stale = NOW + LATENCY_STALE_MS + 1;
    expect(pickId(router, g, 'lowest_latency', plain, new Set(), stale)).toBe('a');
    expect(pickId(router, g, 'lowest_latency', plain, new Set(), stale)).toBe('b');
    // The probe shows a is fast now (10 ms per token): its new figure is that sample, not 30% of the way to it.
    router.ended(a, { ttftMs: null, totalMs: 100, tokens: 20, outputTokens: 10 }, stale + 5);
    expect(router.peek('a')!.msPerToken).toBe(10);
    expect(pickId(router, g, 'lowest_latency', plain, new Set(), stale + 10)).toBe('a');
  });

  it('usage based: the most rpm/tpm headroom left this minute; counts restart with the minute', () => {
    const router = new Router();
    const a = deployment('a', { rpmLimit: 10 });
    const b = deployment('b', { rpmLimit: 100 });
    const g = group(a, b);
    for (let i = 0; i < 50; i++) router.started(b, NOW);
    // a: 1 of 10 used after this request (90% left); b: 51 of 100 (49% left).
    expect(pickId(router, g, 'usage_based')).toBe('a');
    for (let i = 0; i < 6; i++) router.started(a, NOW);
    // a: 7 of 10 (30% left) now loses.
    expect(pickId(router, g, 'usage_based')).toBe('b');
    // A new minute: a has 90% left after this request, b 99%.
    expect(pickId(router, g, 'usage_based', plain, new Set(), NOW + 60_000)).toBe('b');
    const tpm = group(deployment('c', { tpmLimit: 1_000 }), deployment('d', { tpmLimit: 1_000_000 }));
    expect(pickId(router, tpm, 'usage_based', { ...plain, promptTokens: 500, outputTokens: 400 })).toBe('d');
  });

  it('lowest cost: the cheapest deployment for the request', () => {
    const router = new Router();
    const g = group(
      deployment('dear', { inputCostPerMillion: 5, outputCostPerMillion: 15 }),
      deployment('cheap', { inputCostPerMillion: 0.15, outputCostPerMillion: 0.6 }),
      deployment('mid', { inputCostPerMillion: 1, outputCostPerMillion: 2 }),
    );
    expect(counts(router, g, 20, 'lowest_cost')).toEqual(new Map([['cheap', 20]]));
  });

  it('tag-based routing: matching deployments only; otherwise those tagged default, else the untagged', () => {
    const router = new Router();
    const eu = deployment('eu', { tags: ['eu'] });
    const us = deployment('us', { tags: ['us', 'default'] });
    const any = deployment('any');
    const g = group(eu, us, any);
    expect(counts(router, g, 20, 'weighted')).toEqual(new Map([['us', 20]]));
    expect(pickId(router, g, 'weighted', { ...plain, tags: new Set(['eu', 'other']) })).toBe('eu');
    const noDefault = group(eu, any);
    expect(pickId(router, noDefault, 'weighted', { ...plain, tags: new Set(['asia']) })).toBe('any');
  });

  it('skips deployments whose context window the prompt does not fit, and says when none fits', () => {
    const router = new Router();
    const g = group(deployment('small', { maxInputTokens: 8_000 }), deployment('large', { maxInputTokens: 128_000 }));
    expect(pickId(router, g, 'weighted', { ...plain, promptTokens: 20_000 })).toBe('large');
    expect(router.pick(g, 'weighted', { ...plain, promptTokens: 200_000 }, new Set(), NOW)).toEqual({ deployment: null, largestWindow: 128_000 });
  });

  it('retries go to a deployment not yet tried, while there is one', () => {
    const router = new Router();
    const g = group(deployment('a', { weight: 100 }), deployment('b', { weight: 1 }));
    expect(pickId(router, g, 'weighted', plain, new Set(['a']))).toBe('b');
    // Every one tried: back to all of them, by weight.
    const again = Array.from({ length: 200 }, () => pickId(router, g, 'weighted', plain, new Set(['a', 'b'])));
    expect(again.filter((id) => id === 'a').length).toBeGreaterThan(180);
  });
});

describe('cooldowns', () => {
  it('cools a deployment down after allowedFails failures within the window, for cooldownMs', () => {
    const router = new Router();
    const a = deployment('a');
    const b = deployment('b');
    const g = group(a, b);
    router.failed(a, 'server_error', settings, null, NOW);
    router.failed(a, 'server_error', settings, null, NOW + 1_000);
    expect(counts(router, g, 50).get('a')).toBeGreaterThan(0);
    router.failed(a, 'server_error', settings, null, NOW + 2_000);
    expect(router.state('a').cooldownUntil).toBe(NOW + 32_000);
    expect(pickId(router, g, 'weighted', plain, new Set(), NOW + 3_000)).toBe('b');
    for (let i = 0; i < 50; i++) expect(pickId(router, g, 'weighted', plain, new Set(), NOW + 31_000)).toBe('b');
    const after = new Set<string>();
    for (let i = 0; i < 50; i++) after.add(pickId(router, g, 'weighted', plain, new Set(), NOW + 33_000)!);
    expect(after).toEqual(new Set(['a', 'b']));
  });

  it('counts only failures within the window, per kind, with per-kind thresholds', () => {
    const router = new Router();
    const a = deployment('a');
    const perKind = RouterConfig.parse({ allowedFails: 3, allowedFailsPolicy: { rate_limit: 1 } });
    router.failed(a, 'timeout', perKind, null, NOW);
    router.failed(a, 'timeout', perKind, null, NOW + 61_000);
    router.failed(a, 'server_error', perKind, null, NOW + 62_000);
    expect(router.state('a').cooldownUntil).toBe(0);
    router.failed(a, 'rate_limit', perKind, null, NOW + 63_000);
    expect(router.state('a').cooldownUntil).toBe(NOW + 63_000 + perKind.cooldownMs);
  });

  it('cools down at once for a retry-after longer than the router waits, for that long', () => {
    const router = new Router();
    const a = deployment('a');
    router.failed(a, 'rate_limit', settings, 45_000, NOW);
    expect(router.state('a').cooldownUntil).toBe(NOW + 45_000);
  });

  it('when every deployment is cooling down, tries the one that failed longest ago and says so', () => {
    const router = new Router();
    const a = deployment('a');
    const b = deployment('b');
    const g = group(a, b);
    for (let i = 0; i < 3; i++) router.failed(b, 'timeout', settings, null, NOW + i);
    for (let i = 0; i < 3; i++) router.failed(a, 'timeout', settings, null, NOW + 10 + i);
    expect(router.pick(g, 'weighted', plain, new Set(), NOW + 100)).toEqual({ deployment: b, coolingDown: true });
  });
});

describe('backoffMs', () => {
  it('doubles per retry up to maxBackoffMs, with full jitter', () => {
    const s = RouterConfig.parse({ backoffMs: 100, maxBackoffMs: 1_000 });
    expect([1, 2, 3, 4, 5].map((retry) => backoffMs(s, retry, () => 0.999_999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffMs(s, 3, () => 0)).toBe(0);
  });
});
