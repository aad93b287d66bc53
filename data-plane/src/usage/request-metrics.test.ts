import { UsageEvent } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { RequestMetrics } from './request-metrics.js';

function event(overrides: Partial<UsageEvent>): UsageEvent {
  return UsageEvent.parse({
    requestId: 'r',
    keyId: 'k',
    teamId: null,
    model: 'gpt',
    modelId: 'm1',
    provider: 'openai',
    route: '/v1/chat/completions',
    stream: false,
    status: 'success',
    httpStatus: 200,
    promptTokens: 100,
    completionTokens: 20,
    totalTokens: 120,
    cost: '0.000123000000',
    startedAt: '2026-11-27T00:00:00.000Z',
    durationMs: 30,
    dataPlaneId: 'dp',
    ...overrides,
  });
}

describe('request metrics', () => {
  it('counts requests by model, status and outcome, and sums tokens and spend per model', () => {
    const metrics = new RequestMetrics();
    metrics.observe(event({}));
    metrics.observe(event({ cacheReadTokens: 60, reasoningTokens: 5, cost: 0.000877 }));
    metrics.observe(event({ status: 'error', httpStatus: 429, promptTokens: 0, completionTokens: 0, totalTokens: 0, cost: 0 }));
    const text = metrics.render().join('\n');
    expect(text).toContain('tollgate_requests_total{model="gpt",code="200",outcome="success"} 2');
    expect(text).toContain('tollgate_requests_total{model="gpt",code="429",outcome="error"} 1');
    expect(text).toContain('tollgate_tokens_total{model="gpt",kind="input"} 200');
    expect(text).toContain('tollgate_tokens_total{model="gpt",kind="output"} 40');
    expect(text).toContain('tollgate_tokens_total{model="gpt",kind="cache_read"} 60');
    expect(text).toContain('tollgate_tokens_total{model="gpt",kind="reasoning"} 5');
    expect(text).toMatch(/tollgate_spend_usd_total\{model="gpt"\} 0\.001\b/);
  });

  it('keeps cumulative histogram buckets of duration and of the first token, streams only for the latter', () => {
    const metrics = new RequestMetrics();
    metrics.observe(event({ durationMs: 3 }));
    metrics.observe(event({ durationMs: 700, stream: true, ttftMs: 40 }));
    metrics.observe(event({ durationMs: 400_000 }));
    const lines = metrics.render();
    expect(lines).toContain('tollgate_request_duration_seconds_bucket{model="gpt",le="0.005"} 1');
    expect(lines).toContain('tollgate_request_duration_seconds_bucket{model="gpt",le="0.5"} 1');
    expect(lines).toContain('tollgate_request_duration_seconds_bucket{model="gpt",le="1"} 2');
    expect(lines).toContain('tollgate_request_duration_seconds_bucket{model="gpt",le="300"} 2');
    expect(lines).toContain('tollgate_request_duration_seconds_bucket{model="gpt",le="+Inf"} 3');
    expect(lines).toContain('tollgate_request_duration_seconds_count{model="gpt"} 3');
    expect(lines).toContain('tollgate_time_to_first_token_seconds_bucket{model="gpt",le="0.025"} 0');
    expect(lines).toContain('tollgate_time_to_first_token_seconds_bucket{model="gpt",le="0.05"} 1');
    expect(lines).toContain('tollgate_time_to_first_token_seconds_count{model="gpt"} 1');
  });

  it('counts names the config does not know under one empty model, so clients cannot grow the series', () => {
    const metrics = new RequestMetrics();
    for (let i = 0; i < 50; i++) metrics.observe(event({ model: `made-up-${i}`, modelId: null, status: 'error', httpStatus: 404 }));
    const text = metrics.render().join('\n');
    expect(text).toContain('tollgate_requests_total{model="",code="404",outcome="error"} 50');
    expect(text).not.toContain('made-up');
  });

  it('escapes label values', () => {
    const metrics = new RequestMetrics();
    metrics.observe(event({ model: 'a"b\\c' }));
    expect(metrics.render()).toContain('tollgate_requests_total{model="a\\"b\\\\c",code="200",outcome="success"} 1');
  });
});
