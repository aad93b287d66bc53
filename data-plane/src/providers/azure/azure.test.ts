import { ModelConfig } from '@tollgate/schema';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standInEmbedding } from '../../../../test/stand-ins/openai/embeddings.js';
import { readChunks, startReplay, type ReplayServer } from '../../../../test/stand-ins/openai/replay.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from '../../../../test/stand-ins/openai/server.js';
import { directive } from '../../../../test/stand-ins/script.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { secretResolver } from '../../upstream/secrets.js';
import type { ProviderCall, StreamEvent } from '../types.js';
import { azureChatUpstream, azureCompletionsUpstream, azureProvider } from './index.js';

const secrets = secretResolver({ AZURE_OPENAI_API_KEY: STAND_IN_API_KEY });
const provider = azureProvider();

function ask(text: string, stream = true): CanonicalRequest {
  return { stream, messages: [{ role: 'user', content: [{ type: 'text', text }] }] };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function azureTarget(apiBase: string, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return ModelConfig.parse({ id: 'az', name: 'gpt-4o', provider: 'azure', providerModel: 'prod-gpt4o', apiBase, apiVersion: '2024-10-21', inputCostPerMillion: 1, outputCostPerMillion: 1, ...overrides });
}

describe('azure provider against the Azure OpenAI stand-in', () => {
  let standIn: OpenAiStandIn;
  let call: (overrides?: Partial<ModelConfig>) => ProviderCall;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ azure: true });
    call = (overrides = {}) => ({ target: azureTarget(standIn.url, overrides), signal: new AbortController().signal, secrets });
  });
  afterAll(() => standIn.close());

  it('calls the deployment URL with api-version and the api-key header, no bearer token', async () => {
    const events = await collect(provider.chat(ask('hello'), call()));
    expect(events.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe('Echo: hello');
    const request = standIn.requests.at(-1)!;
    expect(request.path).toBe('/openai/deployments/prod-gpt4o/chat/completions');
    expect(request.query).toEqual({ 'api-version': '2024-10-21' });
    expect(request.headers['api-key']).toBe(STAND_IN_API_KEY);
    expect(request.headers.authorization).toBeUndefined();
  });

  it("calls Azure's v1 API for apiVersion v1: /openai/v1/…, the deployment as the body's model, no api-version", async () => {
    const events = await collect(provider.chat(ask('on v1'), call({ apiVersion: 'v1' })));
    expect(events.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe('Echo: on v1');
    const request = standIn.requests.at(-1)!;
    expect(request.path).toBe('/openai/v1/chat/completions');
    expect(request.query).toEqual({});
    expect(request.body).toMatchObject({ model: 'prod-gpt4o', stream_options: { include_usage: true } });
    expect(request.headers['api-key']).toBe(STAND_IN_API_KEY);
    const embedded = await provider.embed!({ input: ['v1 too'] }, call({ apiVersion: 'v1' }));
    expect(embedded.vectors).toHaveLength(1);
    expect(standIn.requests.at(-1)!.path).toBe('/openai/v1/embeddings');
  });

  it("skips Azure's prompt_filter_results chunk: metadata comes from the first real chunk, usage from the last", async () => {
    const events = await collect(provider.chat(ask('hello'), call()));
    expect(events[0]).toEqual({ type: 'response-metadata', id: expect.stringMatching(/^chatcmpl-/), model: 'prod-gpt4o' });
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: 2, outputTokens: 2 } });
  });

  it('streams parallel tool calls and answers non-streamed requests the same way', async () => {
    const script = directive({ toolCalls: [{ name: 'a', arguments: '{"x":1}' }, { name: 'b', arguments: '{}' }] });
    for (const stream of [true, false]) {
      const events = await collect(provider.chat(ask(script, stream), call()));
      expect(events.filter((e) => e.type === 'tool-call-start').map((e) => e.name)).toEqual(['a', 'b']);
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool-calls' } });
    }
  });

  it('streams from an api-version older than stream_options without them (Azure would refuse the request): no usage reported', async () => {
    const events = await collect(provider.chat(ask('old version'), call({ apiVersion: '2024-06-01' })));
    expect(events.filter((e) => e.type === 'text-delta').map((e) => e.text).join('')).toBe('Echo: old version');
    expect(standIn.requests.at(-1)!.body).toMatchObject({ stream: true });
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
    expect((events.at(-1) as { usage?: { outputTokens?: number } }).usage?.outputTokens).toBeUndefined();
    // 2024-09-01-preview and later, and named versions, take them.
    for (const apiVersion of ['2024-09-01-preview', '2025-04-01-preview', 'preview']) {
      await collect(provider.chat(ask('newer'), call({ apiVersion })));
      expect(standIn.requests.at(-1)!.body).toMatchObject({ stream_options: { include_usage: true } });
    }
  });

  it('sends the output limit as max_tokens to an api-version older than max_completion_tokens (Azure would refuse the request)', async () => {
    const limited: CanonicalRequest = { ...ask('limit'), maxOutputTokens: 64 };
    const events = await collect(provider.chat(limited, call({ apiVersion: '2024-06-01' })));
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
    expect(standIn.requests.at(-1)!.body).toMatchObject({ max_tokens: 64 });
    expect(standIn.requests.at(-1)!.body).not.toHaveProperty('max_completion_tokens');
    for (const apiVersion of ['2024-09-01-preview', '2024-10-21', 'preview', 'latest']) {
      await collect(provider.chat(limited, call({ apiVersion })));
      expect(standIn.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 64 });
      expect(standIn.requests.at(-1)!.body).not.toHaveProperty('max_tokens');
    }
  });

  it("maps Azure's 400 content_filter error to content_policy_violation", async () => {
    const [event] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 400, code: 'content_filter' } })), call()));
    expect(event).toMatchObject({ type: 'error', error: { status: 400, type: 'invalid_request_error', code: 'content_policy_violation', provider: 'azure', message: expect.stringContaining('content management policy') } });
  });

  it('ends a completion the filter stopped with a content-filter finish, usage kept', async () => {
    const events = await collect(provider.chat(ask(directive({ text: 'some words', fault: { kind: 'content-filter' } })), call()));
    expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' }, usage: { outputTokens: 2 } });
  });

  it("reads Azure's 429 body and retry-after", async () => {
    const [event] = await collect(provider.chat(ask(directive({ fault: { kind: 'http', status: 429, retryAfter: '6' } })), call()));
    expect(event).toMatchObject({ type: 'error', error: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryAfterSeconds: 6, message: expect.stringContaining('exceeded token rate limit') } });
  });

  it('embeds through the deployment embeddings URL', async () => {
    const result = await provider.embed!({ input: ['alpha'] }, call({ providerModel: 'emb-deploy' }));
    expect(result.vectors).toEqual([standInEmbedding('alpha')]);
    expect(standIn.requests.at(-1)).toMatchObject({ path: '/openai/deployments/emb-deploy/embeddings', query: { 'api-version': '2024-10-21' } });
  });

  it('refuses a deployment without apiVersion or apiBase, with an error event saying which', async () => {
    const [noVersion] = await collect(provider.chat(ask('x'), call({ apiVersion: null })));
    expect(noVersion).toMatchObject({ type: 'error', error: { code: 'provider_misconfigured', message: expect.stringContaining('apiVersion') } });
    const [noBase] = await collect(provider.chat(ask('x'), call({ apiBase: null })));
    expect(noBase).toMatchObject({ type: 'error', error: { code: 'provider_misconfigured', message: expect.stringContaining('apiBase') } });
  });

  it('gives the fast path deployment URLs and the api-key header', () => {
    const target = azureTarget('https://my-resource.openai.azure.com/');
    expect(azureChatUpstream(target, secrets)).toEqual({
      url: 'https://my-resource.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21',
      headers: { 'content-type': 'application/json', 'api-key': STAND_IN_API_KEY },
    });
    expect(azureCompletionsUpstream(target, secrets).url).toBe('https://my-resource.openai.azure.com/openai/deployments/prod-gpt4o/completions?api-version=2024-10-21');
    expect(provider.forward?.upstream('openai-chat', target, secrets)).toEqual(azureChatUpstream(target, secrets));
    expect(provider.forward?.mapError(400, {}, JSON.stringify({ error: { message: 'filtered', type: null, param: 'prompt', code: 'content_filter', status: 400 } }))).toMatchObject({ code: 'content_policy_violation' });
  });
});

describe('azure golden streams', () => {
  let replay: ReplayServer | undefined;
  afterEach(() => replay?.close());

  it('azure-content-filter', async () => {
    replay = await startReplay(readChunks(new URL('./__fixtures__/azure-content-filter.chunks.txt', import.meta.url)));
    // The replay server answers any path; the Azure URL scheme is appended to its origin.
    const target = azureTarget(replay.url.replace(/\/v1$/, ''));
    const events = await collect(provider.chat(ask('Describe the battle.'), { target, signal: new AbortController().signal, secrets }));
    expect(replay.requests[0]!.path).toBe('/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21');
    await expect(`${JSON.stringify(events, null, 2)}\n`).toMatchFileSnapshot('./__fixtures__/azure-content-filter.events.json');
  });
});
