import { randomUUID } from 'node:crypto';
import type { UsageEventInput } from '@tollgate/schema';

/** A data plane's usage event for `keyId`: a successful chat completion that cost `cost`, started now; `overrides` win. */
export function usageEvent(keyId: string, cost: number, overrides: Partial<UsageEventInput> = {}): UsageEventInput {
  return {
    requestId: randomUUID(),
    keyId,
    teamId: null,
    model: 'gpt-4o',
    modelId: null,
    provider: 'openai',
    route: '/v1/chat/completions',
    stream: false,
    status: 'success',
    httpStatus: 200,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cost,
    startedAt: new Date().toISOString(),
    durationMs: 100,
    dataPlaneId: 'dp-test',
    ...overrides,
  };
}
