import type { UsageEvent } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../canonical/request.js';
import type { RuntimeKey } from '../config/runtime.js';
import type { FinalUsage } from '../pipeline/accounting.js';
import { model } from '../test-support/fixtures.js';
import { UsageRecorder } from './recorder.js';

const key = { id: 'k1', teamId: 't1' } as RuntimeKey;

function recorder(): { usage: UsageRecorder; events: UsageEvent[] } {
  const events: UsageEvent[] = [];
  const usage = new UsageRecorder({ requestId: 'r1', key, route: '/v1/chat/completions', dataPlaneId: 'dp' }, (e) => events.push(e));
  return { usage, events };
}

const USAGE: FinalUsage = { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 6_000, cacheWriteTokens: 1_000, reasoningTokens: 500, estimated: false };

describe('UsageRecorder', () => {
  it('should put every count in the event and bill it exactly at the table\'s cache prices', () => {
    const { usage, events } = recorder();
    usage.useModel(Object.freeze(model({ id: 'm1', name: 'sonnet', provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', inputCostPerMillion: 3, outputCostPerMillion: 15 })));
    usage.setTokens(USAGE);
    usage.finish({ status: 'success', httpStatus: 200 });
    // 3,000 × 3 + 6,000 × 0.3 + 1,000 × 3.75 + 2,000 × 15 = 44,550 per million.
    expect(events[0]).toMatchObject({ promptTokens: 10_000, completionTokens: 2_000, totalTokens: 12_000, cacheReadTokens: 6_000, cacheWriteTokens: 1_000, reasoningTokens: 500, estimated: false, cost: '0.044550000000' });
    expect(usage.cost.nanos).toBe(44_550_000n);
  });

  it('should cut the names and error message a client or provider can make any length, so an event stays small', () => {
    const { usage, events } = recorder();
    usage.model = 'm'.repeat(100_000);
    usage.endUser = 'u'.repeat(10_000);
    usage.finish({ status: 'error', httpStatus: 404, errorType: 'model_not_found', errorMessage: `The model '${'m'.repeat(100_000)}' does not exist.` });
    expect(events[0]!.model).toHaveLength(256);
    expect(events[0]!.endUser).toHaveLength(256);
    expect(events[0]!.errorMessage).toHaveLength(2_000);
    expect(events[0]!.errorMessage!.endsWith('…')).toBe(true);
    expect(JSON.stringify(events[0]).length).toBeLessThan(4_000);
  });

  it('should bill nothing for a request whose tokens were never set, whatever its deployment', () => {
    const { usage, events } = recorder();
    usage.useModel(Object.freeze(model({ id: 'm1', name: 'x', costPerRequest: 0.01 })));
    usage.finish({ status: 'error', httpStatus: 502 });
    expect(events[0]).toMatchObject({ promptTokens: 0, completionTokens: 0, cost: '0.000000000000', estimated: false });
    expect(usage.cost.nanos).toBe(0n);
  });

  it('should count the request\'s images only for a deployment priced per image', () => {
    const image = { type: 'image' as const, source: { kind: 'url' as const, url: 'https://example.com/a.png' } };
    let asked = 0;
    const request = {
      get canonical(): CanonicalRequest {
        asked++;
        return { stream: false, messages: [{ role: 'user', content: [image, image] }] };
      },
    };
    const { usage } = recorder();
    usage.useModel(Object.freeze(model({ id: 'm1', name: 'x', inputCostPerMillion: 1, outputCostPerMillion: 2, costPerImage: 0.002, costPerRequest: 0.0001 })));
    usage.setTokens({ ...USAGE, cacheReadTokens: 0, cacheWriteTokens: 0 }, request);
    // 10,000 × 1 + 2,000 × 2 per million, 0.0001 per request, 2 × 0.002 per image.
    expect(usage.cost.usd).toBe('0.018100000000');
    const plain = recorder().usage;
    plain.useModel(Object.freeze(model({ id: 'm2', name: 'y' })));
    plain.setTokens(USAGE, request);
    expect(plain.cost.usd).toBe('0.014000000000');
    expect(asked).toBe(1);
  });
});
