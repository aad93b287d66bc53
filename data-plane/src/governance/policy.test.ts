import { describe, expect, it } from 'vitest';
import { ModelConfig } from '@tollgate/schema';
import { takeAttribution } from './attribution.js';
import { nanosToUsd, rateLimitHeaders, refusalError } from './gate.js';
import { ModelList, WildcardModels } from './model-access.js';
import { errors } from '../http/errors.js';
import { clientAddress, roughBodyTokens } from './govern.js';
import { checkEnforcedParams, checkIp, checkRoute, IpAllowList } from './request-policy.js';
import type { LimitSubject } from '../limits/types.js';

const model = (name: string, extra: Partial<ModelConfig> = {}) =>
  ModelConfig.parse({ id: name, name, provider: 'mock', providerModel: name, inputCostPerMillion: 1, outputCostPerMillion: 2, ...extra });

describe('model allow lists', () => {
  it('allow exact names, access groups and wildcards; an empty list allows everything', () => {
    expect(ModelList.compile([])).toBeNull();
    const list = ModelList.compile(['gpt-4o', 'research', 'anthropic/*'])!;
    expect(list.allows('gpt-4o', model('gpt-4o'))).toBe(true);
    expect(list.allows('gpt-4o-mini', model('gpt-4o-mini'))).toBe(false);
    expect(list.allows('gemini-pro', model('gemini-pro', { accessGroups: ['research'] }))).toBe(true);
    expect(list.allows('anthropic/claude-sonnet-4-5', model('anthropic/*'))).toBe(true);
    expect(list.allows('anthropic', model('anthropic'))).toBe(false);
    expect(ModelList.compile(['*'])!.allows('anything', undefined)).toBe(true);
    // Regex characters in names are literal.
    expect(ModelList.compile(['a.b*'])!.allows('axb-1', undefined)).toBe(false);
  });

  it('wildcard deployments serve names they match, the longest prefix first, filling * upstream', () => {
    const models = new Map([
      ['gpt-4o', model('gpt-4o')],
      ['anthropic/*', model('anthropic/*', { providerModel: '*' })],
      ['anthropic/claude-opus*', model('anthropic/claude-opus*', { providerModel: 'claude-opus-4-1' })],
      ['*', model('*', { providerModel: 'fallback-model' })],
    ]);
    const wildcards = WildcardModels.of(models);
    expect(WildcardModels.of(models)).toBe(wildcards);
    expect(wildcards.resolve('anthropic/claude-sonnet-4-5')).toMatchObject({ name: 'anthropic/*', providerModel: 'claude-sonnet-4-5' });
    expect(wildcards.resolve('anthropic/claude-opus-4')).toMatchObject({ name: 'anthropic/claude-opus*', providerModel: 'claude-opus-4-1' });
    expect(wildcards.resolve('mistral-large')).toMatchObject({ name: '*', providerModel: 'fallback-model' });
    expect(WildcardModels.of(new Map([['gpt-4o', model('gpt-4o')]])).resolve('gpt-4o-mini')).toBeUndefined();
  });
});

describe('request policy', () => {
  it('IP allow lists take addresses and CIDR ranges, IPv4 and IPv6, and dual-stack forms', () => {
    const list = IpAllowList.of(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32'])!;
    expect(list.allows('10.20.30.40')).toBe(true);
    expect(list.allows('::ffff:10.1.2.3')).toBe(true);
    expect(list.allows('192.168.1.7')).toBe(true);
    expect(list.allows('192.168.1.8')).toBe(false);
    expect(list.allows('2001:db8::1')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(IpAllowList.of([])).toBeNull();
    // An entry that is no range (a prefix left empty or too wide) matches nothing, never every address as /0.
    for (const entry of ['10.9.9.9/', '10.0.0.0/99', '10.0.0.0/x']) expect(IpAllowList.of([entry])!.allows('127.0.0.1'), entry).toBe(false);
    expect(() => checkIp('127.0.0.1', list, null)).toThrow(/Requests from 127.0.0.1 are not allowed for this API key/);
    expect(() => checkIp('127.0.0.1', null, IpAllowList.of(['10.0.0.1']))).toThrow(/not allowed by this gateway/);
    expect(() => checkIp('10.0.0.1', list, null)).not.toThrow();
    // uWS on a dual-stack socket reports an IPv4 client in full hexadecimal: matched, and named, as its IPv4 address.
    expect(list.allows('0000:0000:0000:0000:0000:ffff:0a01:0203')).toBe(true);
    expect(() => checkIp('0000:0000:0000:0000:0000:ffff:7f00:0001', list, null)).toThrow(/^Requests from 127\.0\.0\.1 are not allowed/);
    expect(() => checkIp('::ffff:7f00:1', list, null)).toThrow(/^Requests from 127\.0\.0\.1 are not allowed/);
  });

  it("takes the client's address from X-Forwarded-For only when a trusted proxy sent it", () => {
    const proxies = IpAllowList.of(['10.1.0.0/16']);
    // From the load balancer: the right-most hop that is not a trusted proxy is the client.
    expect(clientAddress('10.1.2.3', '203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '198.51.100.1, 203.0.113.9, 10.1.9.9', proxies)).toBe('203.0.113.9');
    // A client that writes its own X-Forwarded-For proves nothing: the proxy appended the real peer after it.
    expect(clientAddress('10.1.2.3', '10.0.0.5, 203.0.113.9', proxies)).toBe('203.0.113.9');
    // Not from a trusted proxy, or none configured: the peer.
    expect(clientAddress('203.0.113.50', '10.0.0.5', proxies)).toBe('203.0.113.50');
    expect(clientAddress('10.1.2.3', '203.0.113.9', null)).toBe('10.1.2.3');
    expect(clientAddress('10.1.2.3', '', proxies)).toBe('10.1.2.3');
    // Only proxies on the way: the left-most.
    expect(clientAddress('10.1.2.3', '10.1.0.7, 10.1.0.8', proxies)).toBe('10.1.0.7');
    // Hops with the port some proxies add (Azure Application Gateway), IPv4 and IPv6; a bare IPv6 address stays whole.
    expect(clientAddress('10.1.2.3', '203.0.113.9:50312', proxies)).toBe('203.0.113.9');
    expect(clientAddress('10.1.2.3', '[2001:db8::1]:443, 10.1.9.9:80', proxies)).toBe('2001:db8::1');
    expect(clientAddress('10.1.2.3', '2001:db8::7', proxies)).toBe('2001:db8::7');
  });

  it('allowed routes match paths and prefixes, with or without /v1', () => {
    expect(() => checkRoute([], '/v1/embeddings')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/completions'], '/chat/completions')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/*'], '/v1/chat/completions')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/completions'], '/v1/messages')).toThrow(expect.objectContaining({ status: 403, code: 'route_not_allowed' }));
    // Azure's v1 prefix names the same routes.
    expect(() => checkRoute(['/v1/chat/completions'], '/openai/v1/chat/completions')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/*'], '/openai/v1/embeddings')).toThrow(expect.objectContaining({ code: 'route_not_allowed' }));
    // Counting a Messages request's tokens belongs to the Messages API, and only to it.
    expect(() => checkRoute(['/v1/messages'], '/v1/messages/count_tokens')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/completions'], '/v1/messages/count_tokens')).toThrow(expect.objectContaining({ code: 'route_not_allowed' }));
    // Compacting a conversation belongs to the Responses API, which Codex calls it with.
    expect(() => checkRoute(['/v1/responses'], '/v1/responses/compact')).not.toThrow();
    expect(() => checkRoute(['/v1/chat/completions'], '/v1/responses/compact')).toThrow(expect.objectContaining({ code: 'route_not_allowed' }));
  });

  it('enforced parameters must be present, top level or dotted', () => {
    const body = { user: 'u1', metadata: { generation_name: 'g' } };
    expect(() => checkEnforcedParams(body, ['user', 'metadata.generation_name'], [])).not.toThrow();
    expect(() => checkEnforcedParams({ user: '' }, ['user'], [])).toThrow(expect.objectContaining({ status: 400, param: 'user', message: expect.stringMatching(/This API key requires it/) }));
    expect(() => checkEnforcedParams({ metadata: {} }, [], ['metadata.trace_id'])).toThrow(/This gateway requires it/);
    // `user` is the end user, however the protocol names it (`safety_identifier`, Anthropic's `metadata.user_id`).
    expect(() => checkEnforcedParams({ metadata: { user_id: 'u-7' } }, ['user'], [], 'u-7')).not.toThrow();
    expect(() => checkEnforcedParams({}, ['user'], [], null)).toThrow(/'metadata\.user_id' in Anthropic's/);
  });
});

describe('attribution', () => {
  it('takes tags and spend-log metadata out of the body, keeping what the provider understands', () => {
    const body: Record<string, unknown> = { model: 'm', metadata: { tags: ['a', 'b', 'a', 7], spend_logs_metadata: { project: 'x' }, user_id: 'u' } };
    expect(takeAttribution(body)).toEqual({ tags: ['a', 'b'], metadata: { user_id: 'u', project: 'x' } });
    expect(body.metadata).toEqual({ user_id: 'u' });
    const only: Record<string, unknown> = { metadata: { tags: ['t'] } };
    expect(takeAttribution(only).tags).toEqual(['t']);
    expect('metadata' in only).toBe(false);
    const none = { model: 'm' };
    expect(takeAttribution(none)).toEqual({ tags: [], metadata: {} });
    // OpenAI's metadata values are strings: a Responses client sends its tags as one, comma-separated.
    expect(takeAttribution({ metadata: { tags: 'team-a, ci,,team-a' } }).tags).toEqual(['team-a', 'ci']);
    // Anthropic refuses any metadata field but user_id: the others are recorded, and only user_id goes on.
    const anthropic: Record<string, unknown> = { metadata: { user_id: 'u', generation_name: 'nightly', tags: ['t'] } };
    expect(takeAttribution(anthropic, new Set(['user_id']))).toEqual({ tags: ['t'], metadata: { user_id: 'u', generation_name: 'nightly' } });
    expect(anthropic.metadata).toEqual({ user_id: 'u' });
    const nothingKept: Record<string, unknown> = { metadata: { generation_name: 'nightly' } };
    takeAttribution(nothingKept, new Set(['user_id']));
    expect('metadata' in nothingKept).toBe(false);
  });
});

describe('gate answers', () => {
  const subject: LimitSubject = { kind: 'team', id: 't', label: "team 'Research'", rpm: 60, tpm: null, parallel: null, budget: null };
  const input = { requestId: 'r', subjects: [subject], reserveTokens: 500, reserveNanos: 1n, nowMs: 0 };

  it('names the limit that was hit, with retry-after', () => {
    const rpm = refusalError({ kind: 'rpm', subject, limit: '60', retryAfterSeconds: 2 }, input);
    expect(rpm).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: "Rate limit reached for team 'Research': 60 requests per minute. Retry after 2s." });
    expect(rpm.headers['retry-after']).toBe('2');
    const budgeted = { ...subject, budget: { maxNanos: 10_000_000_000n, periodId: 'p', periodEndMs: Date.UTC(2026, 11, 1), seedNanos: 0n } };
    const budget = refusalError({ kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 10_002_000_000n }, input);
    expect(budget).toMatchObject({ status: 429, type: 'budget_exceeded', message: "Budget exceeded for team 'Research': spent $10.002 of $10; the budget resets at 2026-12-01T00:00:00.000Z." });
    // With the spend it counted, for the alert: the ledger may not have it yet.
    expect(budget.refusedBy).toEqual({ kind: 'team', id: 't', spent: 10.002, limit: 10 });
    // Any key may name a tag: what others spent under it is not told.
    const tag: LimitSubject = { ...subject, kind: 'tag', label: "tag 'campaign-x'", budget: { maxNanos: 10_000_000_000n, periodId: 'p', periodEndMs: null, seedNanos: 0n } };
    const tagged = refusalError({ kind: 'budget', subject: tag, limit: '10', retryAfterSeconds: null, spentNanos: 10_000_000_000n }, { ...input, subjects: [tag] });
    expect(tagged.message).toBe("Budget exceeded for tag 'campaign-x': budget $10.");
  });

  it("says so when a budget is not reached but what is left cannot take the request's estimate", () => {
    const budgeted = { ...subject, budget: { maxNanos: 10_000_000_000n, periodId: 'p', periodEndMs: Date.UTC(2026, 11, 1), seedNanos: 0n } };
    // $9.995 spent: the request's $0.02 estimate (1024 output tokens reserved by default) does not fit in the $0.005 left.
    const near = refusalError(
      { kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 9_995_000_000n },
      { ...input, reserveNanos: 20_000_000n, reservedOutput: { kind: 'default', param: 'max_tokens', defaultTokens: 1024 } },
    );
    expect(near.message).toBe(
      "Budget nearly exhausted for team 'Research': spent $9.995 of $10, and this request may cost up to $0.02 (prompt estimate plus 1024 output tokens per choice, reserved for a request that sets no max_tokens), more than the $0.005 left. Send a smaller prompt or set max_tokens; the budget resets at 2026-12-01T00:00:00.000Z.",
    );
    expect(near.refusedBy).toEqual({ kind: 'team', id: 't', spent: 9.995, limit: 10 });
    // One large request with a tenth of the budget spent: refused, but small ones still fit, so no alert is filed.
    const early = refusalError(
      { kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 1_100_000_000n },
      { ...input, reserveNanos: 9_200_000_000n, reservedOutput: { kind: 'cap', param: 'max_output_tokens' } },
    );
    expect(early.message).toContain('(prompt estimate plus max_output_tokens per choice), more than the $8.90 left. Send a smaller prompt or a lower max_output_tokens;');
    expect(early.refusedBy).toBeUndefined();
    // A budget of $0 stops the subject, whatever the request's size.
    const frozen = refusalError(
      { kind: 'budget', subject: { ...budgeted, budget: { ...budgeted.budget, maxNanos: 0n } }, limit: '0', retryAfterSeconds: 60, spentNanos: 0n },
      { ...input, reserveNanos: 1n },
    );
    expect(frozen).toMatchObject({ type: 'budget_exceeded', message: "The budget of team 'Research' is $0: it admits no requests until an admin raises it." });
    // Embeddings generate nothing: the reservation is the input's.
    const embedding = refusalError(
      { kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 9_995_000_000n },
      { ...input, reserveNanos: 20_000_000n, reservedOutput: { kind: 'none' } },
    );
    expect(embedding.message).toContain('may cost up to $0.02 (prompt estimate), more than the $0.005 left. Send a smaller input;');
    // Taken by requests in flight, not spent: $9.995 counted, $0.5 of it reserved by requests not finished yet.
    const taken = refusalError(
      { kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 1, spentNanos: 9_995_000_000n, reservedNanos: 500_000_000n },
      { ...input, reserveNanos: 20_000_000n, reservedOutput: { kind: 'default', param: 'max_tokens', defaultTokens: 1024 } },
    );
    expect(taken).toMatchObject({
      status: 429,
      type: 'budget_exceeded',
      code: 'budget_in_flight',
      message:
        "The budget of team 'Research' ($10) is taken by requests in flight ($9.495 spent, $0.50 reserved by requests not finished yet), and this request may cost up to $0.02 (prompt estimate plus 1024 output tokens per choice, reserved for a request that sets no max_tokens). Retry when one finishes, or send a lower max_tokens.",
    });
    expect(taken.headers).toEqual({ 'retry-after': '1' });
    expect(taken.refusedBy).toBeUndefined();
    // Not fitting even without the reservations: what finished requests spent is what the refusal names and alerts.
    const short = refusalError(
      { kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 9_800_000_000n, reservedNanos: 300_000_000n },
      { ...input, reserveNanos: 600_000_000n },
    );
    expect(short).toMatchObject({ code: 'budget_exceeded', message: expect.stringMatching(/^Budget nearly exhausted for team 'Research': spent \$9\.50 of \$10, .* more than the \$0\.50 left/) });
    expect(short.refusedBy).toEqual({ kind: 'team', id: 't', spent: 9.5, limit: 10 });
    // An estimate above the whole budget never fits: no wait helps, and the budget has not been reached (no alert).
    const large = refusalError({ kind: 'budget', subject: budgeted, limit: '10', retryAfterSeconds: 60, spentNanos: 0n }, { ...input, reserveNanos: 12_000_000_000n });
    expect(large.message).toBe(
      "Request too large for the budget of team 'Research': it may cost up to $12.00 (prompt estimate plus max_tokens per choice at the model's prices), more than the whole budget of $10. Send a smaller prompt or a lower max_tokens.",
    );
    expect(large.headers['retry-after']).toBeUndefined();
    expect(large.headers['x-should-retry']).toBe('false');
    expect(large.refusedBy).toBeUndefined();
  });

  it('a token reservation larger than the limit itself is refused without retry-after: waiting cannot help', () => {
    const tpm = { ...subject, rpm: null, tpm: 1_000 };
    const error = refusalError({ kind: 'tpm', subject: tpm, limit: '1000', retryAfterSeconds: null }, { ...input, subjects: [tpm], reserveTokens: 4_096 });
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: expect.stringMatching(/^Request too large for team 'Research': it reserves 4096 tokens .* more than the limit of 1000 tokens per minute/) });
    expect(error.headers['retry-after']).toBeUndefined();
    // The SDKs read this before the status: they stop instead of retrying what can never be admitted.
    expect(error.headers['x-should-retry']).toBe('false');
    // A limit that clears in time says when, and leaves retrying to the client.
    const wait = refusalError({ kind: 'tpm', subject: tpm, limit: '1000', retryAfterSeconds: 12 }, { ...input, subjects: [tpm], reserveTokens: 400 });
    expect(wait.headers).toMatchObject({ 'retry-after': '12' });
    expect(wait.headers['x-should-retry']).toBeUndefined();
  });

  it('a fail-closed refusal while Redis is away asks for a retry in a second', () => {
    expect(errors.limitsUnavailable()).toMatchObject({ status: 503, code: 'limits_unavailable', headers: { 'retry-after': '1' } });
  });

  it('reports the tightest windows as OpenAI rate-limit headers', () => {
    expect(rateLimitHeaders({ requests: { limit: 60, remaining: 59, resetMs: 1000 }, tokens: { limit: 1000, remaining: 500, resetMs: 30_000 } })).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '500',
      'x-ratelimit-reset-tokens': '30s',
    });
    expect(nanosToUsd(1_500_000_000n)).toBe('1.50');
  });
});

describe('the prompt estimate reserved against token limits and budgets', () => {
  it('counts text by its UTF-8 bytes, numbers (token ids) one each, and inline media at an image', () => {
    // 101 of text ("user" and 400 letters), 3 for the message's framing and 3 to prime the answer.
    expect(roughBodyTokens({ messages: [{ role: 'user', content: 'a'.repeat(400) }] })).toBe(107);
    expect(roughBodyTokens({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] })).toBe(6 + 2 * 3 + 3);
    // A tool result of minified JSON has no space in it, but is text: about its length / 4, not an image's 85 tokens.
    const rows = JSON.stringify(Array.from({ length: 2_000 }, (_, i) => ({ id: i, name: `row-${i}`, ok: true })));
    expect(rows.length).toBeGreaterThan(40_000);
    expect(roughBodyTokens({ messages: [{ role: 'tool', tool_call_id: 'c1', content: rows }] })).toBeGreaterThan(rows.length / 4);
    // Chinese: three bytes a character, most of a token each (four characters a token would be a quarter of it).
    const chinese = '我们的网关在每个请求上都计算令牌'.repeat(400);
    expect(roughBodyTokens({ messages: [{ role: 'user', content: chinese }] })).toBeGreaterThanOrEqual(chinese.length * 0.75);
    // Token ids: embeddings' input and legacy completions' prompt.
    expect(roughBodyTokens({ input: [Array.from({ length: 8_000 }, (_, i) => i)] })).toBeGreaterThanOrEqual(8_000);
    expect(roughBodyTokens({ prompt: [1, 2, 3, 4] })).toBe(4);
    // Base64 media, as a data: URL or Anthropic's bare `source.data`: an image each, however long (plus the part's type words).
    const image = Buffer.alloc(60_000, 7).toString('base64');
    expect(roughBodyTokens({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${image}` } }] }] })).toBe(85 + 4 + 6);
    expect(roughBodyTokens({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } }] }] })).toBe(85 + 6 + 6);
  });
});

