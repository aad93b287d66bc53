import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndUserConfig, OrgConfig, TagConfig, UserConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key, model, snapshotOf, team } from '../test-support/fixtures.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { waitFor } from '../test-support/wait.js';

/**
 * Governance on one data plane without Redis (counters in process): every refusal a user can cause, with its
 * status, error shape and message, and what an admitted request carries (rate-limit headers, tags and metadata on
 * its usage event).
 */
const K = {
  orgTagged: 'sk-tg-orgtagged-0000000000000000000000000000',
  modelSpent: 'sk-tg-modelspent-00000000000000000000000000000',
  rpm: 'sk-tg-rpm-000000000000000000000000000000000000',
  parallel: 'sk-tg-parallel-0000000000000000000000000000000',
  spent: 'sk-tg-spent-00000000000000000000000000000000000',
  teamSpent: 'sk-tg-teamspent-000000000000000000000000000000',
  orgRpm: 'sk-tg-orgrpm-000000000000000000000000000000000',
  userRpm: 'sk-tg-userrpm-00000000000000000000000000000000',
  ips: 'sk-tg-ips-000000000000000000000000000000000000',
  localIps: 'sk-tg-localips-00000000000000000000000000000000',
  routes: 'sk-tg-routes-000000000000000000000000000000000',
  params: 'sk-tg-params-00000000000000000000000000000000',
  plain: 'sk-tg-plain-000000000000000000000000000000000',
  modelRpm: 'sk-tg-modelrpm-00000000000000000000000000000000',
  raise: 'sk-tg-raise-00000000000000000000000000000000000',
  access: 'sk-tg-access-00000000000000000000000000000000',
  embed: 'sk-tg-embed-000000000000000000000000000000000',
  aliasRpm: 'sk-tg-aliasrpm-00000000000000000000000000000000',
  fallbackRpm: 'sk-tg-fallbackrpm-00000000000000000000000000000',
  anthropicRpm: 'sk-tg-anthropicrpm-0000000000000000000000000000',
} as const;

const FUTURE = new Date(Date.now() + 86_400_000).toISOString();

describe('governance on one data plane (in-process counters)', () => {
  let t: TestDataPlane;
  /** An OpenAI-compatible upstream that answers only when told to, so requests stay in flight. */
  let upstream: Server;
  let release: () => void = () => undefined;
  let held = Promise.resolve();
  let upstreamRequests = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      upstreamRequests++;
      void held.then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'slow', choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const slowBase = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    t = await startTestDataPlane({
      snapshot: snapshotOf({
        models: [
          model({ id: 'm1', name: 'mock-gpt' }),
          model({ id: 'm2', name: 'mock-other' }),
          model({ id: 'm3', name: 'slow', provider: 'openai_compatible', providerModel: 'slow', apiBase: slowBase }),
          model({ id: 'm4', name: 'grouped', accessGroups: ['research'] }),
          model({ id: 'm5', name: 'vendor/*', providerModel: '*' }),
          model({ id: 'm6', name: 'tiny', maxInputTokens: 10 }),
        ],
        teams: [
          team({ id: 't-research', name: 'research', models: ['research', 'vendor/*'] }),
          team({ id: 't-open', name: 'open' }), team({ id: 't-spent', name: 'spent', maxBudget: 5, spend: 5, budgetDuration: '30d', budgetResetAt: FUTURE })],
        orgs: [OrgConfig.parse({ id: 'o-rpm', name: 'acme', rpmLimit: 2 }), OrgConfig.parse({ id: 'o-tagged', name: 'campaigners', tags: ['campaign-x'] })],
        users: [UserConfig.parse({ id: 'u-rpm', rpmLimit: 1 })],
        endUsers: [
          EndUserConfig.parse({ id: 'e1', externalId: 'banned-customer', blocked: true }),
          EndUserConfig.parse({ id: 'e2', externalId: 'metered-customer', rpmLimit: 1 }),
        ],
        tags: [TagConfig.parse({ id: 'tag1', name: 'campaign-x', maxBudget: 1, spend: 1 })],
        keys: [
          key(K.rpm, { id: 'k-rpm', teamId: 't-open', rpmLimit: 3 }),
          key(K.parallel, { id: 'k-parallel', teamId: 't-open', maxParallelRequests: 1 }),
          key(K.spent, { id: 'k-spent', teamId: 't-open', maxBudget: 2, spend: 2 }),
          key(K.teamSpent, { id: 'k-team-spent', teamId: 't-spent' }),
          key(K.orgRpm, { id: 'k-org', orgId: 'o-rpm' }),
          key(K.userRpm, { id: 'k-user', userId: 'u-rpm' }),
          key(K.ips, { id: 'k-ips', teamId: 't-open', allowedIps: ['10.0.0.0/8'] }),
          key(K.localIps, { id: 'k-local-ips', teamId: 't-open', allowedIps: ['127.0.0.0/8', '::1'] }),
          key(K.routes, { id: 'k-routes', teamId: 't-open', allowedRoutes: ['/v1/messages'] }),
          key(K.params, { id: 'k-params', teamId: 't-open', enforcedParams: ['user', 'metadata.generation_name'] }),
          key(K.plain, { id: 'k-plain', teamId: 't-open' }),
          key(K.orgTagged, { id: 'k-org-tagged', orgId: 'o-tagged' }),
          key(K.modelRpm, { id: 'k-model-rpm', teamId: 't-open', modelLimits: { 'mock-other': { rpm: 1 } } }),
          key(K.access, { id: 'k-access', teamId: 't-research', modelAliases: { fast: 'grouped', 'vendor-latest': 'vendor/model-9' } }),
          key(K.embed, { id: 'k-embed', teamId: 't-open', rpmLimit: 1 }),
          key(K.aliasRpm, { id: 'k-alias-rpm', teamId: 't-open', modelAliases: { o: 'mock-other' }, modelLimits: { 'mock-other': { rpm: 1 } } }),
          key(K.fallbackRpm, { id: 'k-fallback-rpm', teamId: 't-open', modelLimits: { 'mock-other': { rpm: 1 } } }),
          key(K.anthropicRpm, { id: 'k-anthropic-rpm', teamId: 't-open', rpmLimit: 2, tpmLimit: 100_000 }),
          // The control plane counted this key's month on mock-other at its budget already.
          key(K.modelSpent, { id: 'k-model-spent', teamId: 't-open', budgetDuration: '30d', budgetResetAt: FUTURE, modelLimits: { 'mock-other': { maxBudget: 2, spend: 2 }, 'mock-gpt': { maxBudget: 2 } } }),
          key(K.raise, { id: 'k-raise', teamId: 't-open', maxBudget: 1, spend: 1, tempBudgetIncrease: 10, tempBudgetExpiresAt: FUTURE }),
        ],
      }),
    });
  });

  afterAll(async () => {
    release();
    await t?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  const chat = async (token: string, body: Record<string, unknown> = {}, path = '/v1/chat/completions') => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello' }], ...body }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };
  const messages = async (token: string) => {
    const res = await fetch(`${t.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };

  it('a key limited to 3 requests per minute admits 3 of 5, with rate-limit headers, and refuses the rest naming the limit', async () => {
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => chat(K.rpm)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(3);
    expect(ok.map((a) => a.headers.get('x-ratelimit-remaining-requests')).sort()).toEqual(['0', '1', '2']);
    expect(ok[0]!.headers.get('x-ratelimit-limit-requests')).toBe('3');
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(2);
    expect(refused[0]!.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringMatching(/^Rate limit reached for this key: 3 requests per minute/) });
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    // Anthropic clients get Anthropic's error shape for the same refusal.
    const anthropic = await messages(K.rpm);
    expect(anthropic.status).toBe(429);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/3 requests per minute/) } });
  });

  it("tells Anthropic clients the limits' state in Anthropic's own rate-limit headers too, admitted and refused", async () => {
    const before = Date.now();
    const [first, second, refused] = [await messages(K.anthropicRpm), await messages(K.anthropicRpm), await messages(K.anthropicRpm)];
    expect([first.status, second.status, refused.status]).toEqual([200, 200, 429]);
    const header = (res: typeof first, name: string) => res.headers.get(`anthropic-ratelimit-${name}`);
    expect([header(first, 'requests-limit'), header(first, 'requests-remaining'), header(second, 'requests-remaining'), header(refused, 'requests-remaining')]).toEqual(['2', '1', '0', '0']);
    expect(header(first, 'tokens-limit')).toBe('100000');
    expect(Number(header(first, 'tokens-remaining'))).toBeLessThan(100_000);
    // When the window is full again: RFC 3339, to the second, within the minute.
    for (const name of ['requests-reset', 'tokens-reset']) {
      const reset = header(first, name)!;
      expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Date.parse(reset)).toBeGreaterThan(before);
      expect(Date.parse(reset)).toBeLessThanOrEqual(Date.now() + 61_000);
    }
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // OpenAI clients get OpenAI's alone.
    const chatAnswer = await chat(K.anthropicRpm);
    expect(chatAnswer.status).toBe(429);
    expect(chatAnswer.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect([...chatAnswer.headers.keys()].filter((name) => name.startsWith('anthropic-ratelimit'))).toEqual([]);
  });

  it('embeddings count against the same limits', async () => {
    const embed = () =>
      fetch(`${t.baseUrl}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${K.embed}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-gpt', input: 'vector me' }),
      });
    expect((await embed()).status).toBe(200);
    const refused = await embed();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', message: expect.stringMatching(/this key: 1 requests per minute/) } });
  });

  it('one request in flight at a time: a second concurrent request is refused, and the slot frees when the first ends', async () => {
    held = new Promise<void>((resolve) => { release = resolve; });
    const before = upstreamRequests;
    const first = chat(K.parallel, { model: 'slow' });
    await waitFor(() => upstreamRequests > before || null, 'the first request upstream', 2_000);
    const second = await chat(K.parallel, { model: 'slow' });
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'parallel_request_limit_exceeded', message: expect.stringMatching(/at most 1 at once/) });
    release();
    expect((await first).status).toBe(200);
    await waitFor(async () => (await chat(K.parallel)).status === 200 || null, 'the slot to free', 2_000);
  });

  it('a spent budget refuses with budget_exceeded, for the key, its team and a tag the request carries', async () => {
    const key = await chat(K.spent);
    expect(key.status).toBe(429);
    expect(key.body.error).toMatchObject({ type: 'budget_exceeded', code: 'budget_exceeded', message: expect.stringMatching(/^Budget exceeded for this key: spent \$2\.00 of \$2/) });
    const teamAnswer = await chat(K.teamSpent);
    expect(teamAnswer.body.error).toMatchObject({ type: 'budget_exceeded', message: expect.stringMatching(/team 'spent'.*resets at/) });
    expect(Number(teamAnswer.headers.get('retry-after'))).toBeGreaterThan(0);
    const tagged = await chat(K.plain, { metadata: { tags: ['campaign-x'] } });
    expect(tagged.body.error).toMatchObject({ type: 'budget_exceeded', message: expect.stringMatching(/tag 'campaign-x'/) });
    // An organization's tags are its keys' requests' too, as a team's are.
    expect((await chat(K.orgTagged)).body.error).toMatchObject({ type: 'budget_exceeded', message: expect.stringMatching(/tag 'campaign-x'/) });
    // A temporary raise that has not lapsed lifts the budget.
    expect((await chat(K.raise)).status).toBe(200);
    // Each refusal's usage event names the subject whose budget refused it (the control plane alerts on it).
    const refusal = (answer: { headers: Headers }) => waitFor(() => t.cp.received.find((e) => e.requestId === answer.headers.get('x-request-id')), 'the usage event', 2_000);
    expect(await refusal(key)).toMatchObject({ status: 'error', errorType: 'budget_exceeded', refusedBy: { kind: 'key', id: 'k-spent' } });
    expect(await refusal(teamAnswer)).toMatchObject({ refusedBy: { kind: 'team', id: 't-spent' } });
    expect(await refusal(tagged)).toMatchObject({ refusedBy: { kind: 'tag', id: 'tag1' } });
    // Nothing on other events.
    const ok = await chat(K.plain);
    expect(await refusal(ok)).not.toHaveProperty('refusedBy');
  });

  it('organization, user, end-user and per-model limits count every key and request they cover', async () => {
    expect((await Promise.all([chat(K.orgRpm), chat(K.orgRpm), chat(K.orgRpm)])).map((a) => a.status).sort()).toEqual([200, 200, 429]);
    expect((await chat(K.orgRpm)).body.error.message).toMatch(/organization 'acme': 2 requests per minute/);
    expect((await Promise.all([chat(K.userRpm), chat(K.userRpm)])).map((a) => a.status).sort()).toEqual([200, 429]);
    const metered = await Promise.all([chat(K.plain, { user: 'metered-customer' }), chat(K.plain, { user: 'metered-customer' })]);
    expect(metered.map((a) => a.status).sort()).toEqual([200, 429]);
    expect(metered.find((a) => a.status === 429)!.body.error.message).toMatch(/end user 'metered-customer'/);
    // The per-model limit applies to that model only.
    expect((await chat(K.modelRpm, { model: 'mock-other' })).status).toBe(200);
    const second = await chat(K.modelRpm, { model: 'mock-other' });
    expect(second.body.error.message).toMatch(/model 'mock-other' on this key: 1 requests per minute/);
    expect((await chat(K.modelRpm)).status).toBe(200);
  });

  it("a key's per-model budget starts from the spend the control plane counted for it (a fresh data plane, no Redis)", async () => {
    const spent = await chat(K.modelSpent, { model: 'mock-other' });
    expect(spent.status).toBe(429);
    expect(spent.body.error).toMatchObject({ type: 'budget_exceeded', message: expect.stringMatching(/^Budget exceeded for model 'mock-other' on this key: spent \$2\.00 of \$2/) });
    expect((await chat(K.modelSpent, { model: 'mock-gpt' })).status).toBe(200);
  });

  it("a key's per-model limit holds whatever name reaches the model: the key's alias for it, or a fallback", async () => {
    expect((await chat(K.aliasRpm, { model: 'o' })).status).toBe(200);
    const direct = await chat(K.aliasRpm, { model: 'mock-other' });
    expect(direct.status).toBe(429);
    expect(direct.body.error.message).toMatch(/model 'mock-other' on this key: 1 requests per minute/);
    expect((await chat(K.aliasRpm, { model: 'o' })).status).toBe(429);

    // The prompt does not fit `tiny`; the request's own fallback takes it to `mock-other`, once: its limit counts there.
    const long = { model: 'tiny', messages: [{ role: 'user', content: 'many words here '.repeat(20) }], fallbacks: ['mock-other'] };
    const first = await chat(K.fallbackRpm, long);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-tollgate-deployment')).toBe('m2');
    // The second time the limit refuses the fallback, which is skipped: the client gets the first model's failure.
    const second = await chat(K.fallbackRpm, long);
    expect(second.status).toBe(400);
    expect(second.body.error).toMatchObject({ code: 'context_length_exceeded' });
    expect((await chat(K.fallbackRpm, { model: 'mock-other' })).status).toBe(429);
  });

  it('refuses a blocked end user, a client address off the allow list, a route the key may not call, and a missing required parameter', async () => {
    const banned = await chat(K.plain, { user: 'banned-customer' });
    expect(banned.status).toBe(403);
    expect(banned.body.error).toMatchObject({ code: 'end_user_blocked', message: "The end user 'banned-customer' has been blocked." });
    // OpenAI's safety_identifier supersedes `user`: a client that moved to it is the same end user.
    const renamed = await chat(K.plain, { safety_identifier: 'banned-customer' });
    expect(renamed.status).toBe(403);
    expect(renamed.body.error).toMatchObject({ code: 'end_user_blocked' });
    expect((await chat(K.plain, { safety_identifier: 42 })).body.error).toMatchObject({ param: 'safety_identifier' });
    const ip = await chat(K.ips);
    expect(ip.status).toBe(403);
    expect(ip.body.error).toMatchObject({ code: 'ip_not_allowed', message: expect.stringMatching(/^Requests from (127\.0\.0\.1|::1) are not allowed for this API key\.$/) });
    expect((await chat(K.localIps)).status).toBe(200);
    const route = await chat(K.routes);
    expect(route.status).toBe(403);
    expect(route.body.error).toMatchObject({ code: 'route_not_allowed', message: 'This API key is not allowed to call /v1/chat/completions.' });
    expect((await messages(K.routes)).status).toBe(200);
    // Counting tokens and listing models are calls with the key too: its address list holds there as well.
    const count = await fetch(`${t.baseUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': K.ips, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(count.status).toBe(403);
    expect(await count.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', message: expect.stringMatching(/not allowed for this API key/) } });
    const models = await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${K.ips}` } });
    expect(models.status).toBe(403);
    expect(await models.json()).toMatchObject({ error: { code: 'ip_not_allowed' } });
    expect((await fetch(`${t.baseUrl}/v1/models/mock-gpt`, { headers: { authorization: `Bearer ${K.ips}` } })).status).toBe(403);
    // A key limited to the Messages API may count tokens, and list models (every client does first), but not chat.
    const counted = await fetch(`${t.baseUrl}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': K.routes, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(counted.status).toBe(200);
    expect((await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${K.routes}` } })).status).toBe(200);
    const missing = await chat(K.params, { user: 'u1' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ param: 'metadata.generation_name', message: expect.stringMatching(/This API key requires it on every request/) });
    expect((await chat(K.params, { user: 'u1', metadata: { generation_name: 'nightly' } })).status).toBe(200);
    // Claude Code names its end user in `metadata.user_id`: that is the required `user` on Anthropic's route.
    const anthropic = await fetch(`${t.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': K.params, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }], metadata: { user_id: 'u1', generation_name: 'nightly' } }),
    });
    expect(anthropic.status).toBe(200);
    const recorded = await waitFor(() => t.cp.received.find((e) => e.requestId === anthropic.headers.get('x-request-id')), 'the usage event', 2_000);
    expect(recorded).toMatchObject({ endUser: 'u1', metadata: { user_id: 'u1', generation_name: 'nightly' } });
  });

  it('model access: access groups, wildcard deployments and lists, and key aliases', async () => {
    // The team's list names the access group `research` and the wildcard `vendor/*`.
    expect((await chat(K.access, { model: 'grouped' })).status).toBe(200);
    const wild = await chat(K.access, { model: 'vendor/model-7' });
    expect(wild.status).toBe(200);
    expect(wild.body.model).toBe('vendor/model-7');
    const denied = await chat(K.access, { model: 'mock-gpt' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'model_not_allowed', message: "This API key is not allowed to use the model 'mock-gpt'." });
    // Aliases resolve to their target, which the lists must allow; they show in the model list under their own name.
    expect((await chat(K.access, { model: 'fast' })).status).toBe(200);
    expect((await chat(K.access, { model: 'vendor-latest' })).status).toBe(200);
    const listed = (await (await fetch(`${t.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${K.access}` } })).json()) as { data: Array<{ id: string }> };
    // A wildcard's own name is no model a client can call (Open WebUI offered `vendor/*` in its picker): not listed.
    expect(listed.data.map((m) => m.id).sort()).toEqual(['fast', 'grouped', 'vendor-latest']);
    // Retrieving a model gives it under the name asked for: an alias, a name a wildcard serves.
    const retrieve = async (name: string) => ((await (await fetch(`${t.baseUrl}/v1/models/${name}`, { headers: { authorization: `Bearer ${K.access}` } })).json()) as { id: string }).id;
    expect(await retrieve('vendor/model-7')).toBe('vendor/model-7');
    expect(await retrieve('vendor-latest')).toBe('vendor-latest');
    // A name no deployment serves is unknown (404), not forbidden.
    expect((await chat(K.plain, { model: 'nothing-here' })).status).toBe(404);
  });

  it('takes tags and the end user from headers, for clients that cannot change the body (Claude Code, Codex)', async () => {
    const send = (path: string, headers: Record<string, string>, body: Record<string, unknown>) =>
      fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const claudeCode = (headers: Record<string, string>) =>
      send('/v1/messages', { 'x-api-key': K.plain, 'anthropic-version': '2023-06-01', ...headers }, { model: 'mock-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }], metadata: { user_id: 'user_abc_account__session_1' } });
    // The header's end user, not Claude Code's session id, is the one governed: blocked here.
    const blocked = await claudeCode({ 'x-tollgate-end-user': 'banned-customer' });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', message: "The end user 'banned-customer' has been blocked." } });
    // Header tags count against tag budgets like the body's.
    const tagged = await send('/v1/chat/completions', { authorization: `Bearer ${K.plain}`, 'x-tollgate-tags': ' feature-b , campaign-x' }, { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] });
    expect(tagged.status).toBe(429);
    expect(await tagged.json()).toMatchObject({ error: { type: 'budget_exceeded', message: expect.stringMatching(/tag 'campaign-x'/) } });
    // And are recorded with the body's, once each; the end user too.
    const ok = await claudeCode({ 'x-tollgate-tags': 'feature-b,feature-c,feature-b', 'x-tollgate-end-user': 'alice' });
    expect(ok.status).toBe(200);
    const event = await waitFor(() => t.cp.received.find((e) => e.requestId === ok.headers.get('x-request-id')), 'the usage event', 2_000);
    expect(event).toMatchObject({ tags: ['feature-b', 'feature-c'], endUser: 'alice' });
    const embedded = await send('/v1/embeddings', { authorization: `Bearer ${K.plain}`, 'x-tollgate-end-user': 'banned-customer' }, { model: 'mock-gpt', input: 'vector me' });
    expect(embedded.status).toBe(403);
  });

  it("records the request's tags and spend-log metadata on its usage event", async () => {
    const answer = await chat(K.plain, { metadata: { tags: ['feature-a', 'batch'], spend_logs_metadata: { ticket: 'T-9' }, generation_name: 'gen' } });
    expect(answer.status).toBe(200);
    const event = await waitFor(() => t.cp.received.find((e) => e.requestId === answer.headers.get('x-request-id')), 'the usage event', 2_000);
    expect(event.tags).toEqual(['feature-a', 'batch']);
    expect(event.metadata).toEqual({ generation_name: 'gen', ticket: 'T-9' });
  });

  it("records a coding agent's session id from its headers as metadata.session_id, so a session's cost can be reported", async () => {
    const send = async (path: string, headers: Record<string, string>, body: Record<string, unknown>) => {
      const res = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${K.plain}`, ...headers }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      return (await waitFor(() => t.cp.received.find((e) => e.requestId === res.headers.get('x-request-id')), 'the usage event', 2_000)).metadata;
    };
    const messages = { model: 'mock-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] };
    // Claude Code: its header, next to what its body's metadata records.
    expect(await send('/v1/messages', { 'x-claude-code-session-id': 'c0de-5e55', 'anthropic-version': '2023-06-01' }, { ...messages, metadata: { user_id: 'user_abc' } })).toEqual({ user_id: 'user_abc', session_id: 'c0de-5e55' });
    // Codex: `session-id`. (Its older `session_id` is read too, but uWS 20.30, the Node 20 build these tests run on,
    // drops any request with an underscore in a header name: see README, "Requirements".)
    expect(await send('/v1/responses', { 'session-id': '0199-aaaa' }, { model: 'mock-gpt', input: 'hi' })).toEqual({ session_id: '0199-aaaa' });
    // The request's own session_id wins; an id longer than any agent's is not recorded.
    expect(await send('/v1/chat/completions', { 'session-id': 'from-header' }, { ...messages, metadata: { spend_logs_metadata: { session_id: 'mine' } } })).toEqual({ session_id: 'mine' });
    expect(await send('/v1/chat/completions', { 'session-id': 'x'.repeat(300) }, messages)).toEqual({});
  });
});

describe('gateway-wide policy', () => {
  // The gateway allow list names loopback here (the test's client); the list without it is refused below.
  let t: TestDataPlane;

  beforeAll(async () => {
    t = await startTestDataPlane({
      allowedIps: ['192.0.2.0/24', '127.0.0.1', '::1'],
      enforcedParams: ['user'],
      snapshot: snapshotOf({ models: [model({ id: 'm1', name: 'mock-gpt' })], keys: [key(K.plain, { id: 'k-plain' })] }),
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses clients outside the gateway allow list whatever their key', async () => {
    const closed = await startTestDataPlane({
      allowedIps: ['192.0.2.0/24'],
      snapshot: snapshotOf({ models: [model({ id: 'm1', name: 'mock-gpt' })], keys: [key(K.plain, { id: 'k-plain' })] }),
    });
    try {
      const res = await fetch(`${closed.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${K.plain}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], user: 'u-1' }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'ip_not_allowed', message: expect.stringMatching(/not allowed by this gateway/) } });
      // A key that does not exist is refused the same way from there: the gateway tells nobody outside which keys exist.
      for (const path of ['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/v1/messages/count_tokens']) {
        const unknown = await fetch(`${closed.baseUrl}${path}`, {
          method: path === '/v1/models' ? 'GET' : 'POST',
          headers: { authorization: 'Bearer sk-tg-no-such-key-000000000000000000000000', 'x-api-key': 'sk-tg-no-such-key-000000000000000000000000', 'content-type': 'application/json' },
          ...(path !== '/v1/models' && { body: '{}' }),
        });
        expect([path, unknown.status]).toEqual([path, 403]);
      }
    } finally {
      await closed.close();
    }
  });

  it('behind a trusted load balancer, checks the client X-Forwarded-For names, not the balancer', async () => {
    const behind = await startTestDataPlane({
      allowedIps: ['192.0.2.0/24'],
      trustedProxies: ['127.0.0.1', '::1'],
      snapshot: snapshotOf({ models: [model({ id: 'm1', name: 'mock-gpt' })], keys: [key(K.plain, { id: 'k-plain' })] }),
    });
    try {
      const from = (forwardedFor: string) =>
        fetch(`${behind.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${K.plain}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }),
        });
      expect((await from('192.0.2.7')).status).toBe(200);
      const outside = await from('192.0.2.7, 203.0.113.1');
      expect(outside.status).toBe(403);
      expect(await outside.json()).toMatchObject({ error: { code: 'ip_not_allowed', message: expect.stringMatching(/^Requests from 203\.0\.113\.1 /) } });
      // With a port, as some balancers write it.
      expect((await from('192.0.2.7:50312')).status).toBe(200);
      // A proxy that adds its own line after the client's: both lines are read, so the client's forgery proves nothing.
      // (Node's http client sends an array value as separate lines; fetch would join them into one.)
      const forged = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${behind.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${K.plain}`, 'content-type': 'application/json', 'x-forwarded-for': ['192.0.2.7', '203.0.113.1'] },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }));
      });
      expect(forged.status).toBe(403);
      expect(JSON.parse(forged.body)).toMatchObject({ error: { code: 'ip_not_allowed', message: expect.stringMatching(/^Requests from 203\.0\.113\.1 /) } });
    } finally {
      await behind.close();
    }
  });

  const chat = (body: Record<string, unknown>) =>
    fetch(`${t.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${K.plain}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });

  it('requires the gateway-wide parameters of every request, whatever its key', async () => {
    const missing = await chat({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { param: 'user', message: expect.stringMatching(/This gateway requires it on every request/) } });
    expect((await chat({ user: 'u-1' })).status).toBe(200);
  });
});
