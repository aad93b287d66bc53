import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AdmitInput, AdmitResult, BudgetRule, LimitSubject, LimiterBackend } from '../limits/types.js';

/** The Redis the limiter tests share with other engineers' tests: every key they make carries `testKeyPrefix()`. */
export const TEST_REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testKeyPrefix(): string {
  return `tgtest:${process.pid}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under `prefix` (tests clean up after themselves). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** A subject of its own (a fresh id), with no limits but those given. */
export function testSubject(over: Partial<LimitSubject> = {}): LimitSubject {
  const id = over.id ?? `k-${randomUUID()}`;
  return { kind: 'key', id, label: `key ${id}`, rpm: null, tpm: null, parallel: null, budget: null, ...over };
}

/** A budget of `maxNanos` in a period of its own that ends in an hour, counted from zero. */
export function testBudget(maxNanos: bigint, over: Partial<BudgetRule> = {}): BudgetRule {
  return { maxNanos, periodId: `p-${randomUUID().slice(0, 8)}`, periodEndMs: Date.now() + 3_600_000, seedNanos: 0n, ...over };
}

export function admitInput(subjects: readonly LimitSubject[], over: Partial<AdmitInput> = {}): AdmitInput {
  return { requestId: randomUUID(), subjects, reserveTokens: 0, reserveNanos: 0n, nowMs: Date.now(), ...over };
}

/** `n` admits at once. */
export function admitMany(limiter: LimiterBackend, n: number, input: () => AdmitInput): Promise<AdmitResult[]> {
  return Promise.all(Array.from({ length: n }, () => limiter.admit(input())));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends requests one at a time (`send(i)` for the i-th) until one is not a 200: how many were admitted before it, and
 * that answer. Throws when `most` are all admitted.
 */
export async function admittedUntilRefused<T extends { status: number }>(send: (i: number) => Promise<T>, most = 50): Promise<{ admitted: number; refusal: T }> {
  for (let admitted = 0; admitted < most; admitted++) {
    const answer = await send(admitted);
    if (answer.status !== 200) return { admitted, refusal: answer };
  }
  throw new Error(`${most} requests in a row were admitted`);
}
