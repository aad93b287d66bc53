import type { UsageEvent } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicStandIn, STAND_IN_API_KEY as ANTHROPIC_KEY, type AnthropicStandIn } from '../../../test/stand-ins/anthropic/server.js';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, startBedrockStandIn, type BedrockStandIn } from '../../../test/stand-ins/bedrock/server.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from '../../../test/stand-ins/gemini/server.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../../../test/stand-ins/openai/server.js';
import { directive, wordChunks, type Script, type ScriptUsage } from '../../../test/stand-ins/script.js';
import { countTextTokens } from '../providers/token-estimate.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../test-support/fixtures.js';
import { waitFor } from '../test-support/wait.js';

/**
 * Cost golden tests: for every provider adapter, an upstream (the provider's stand-in, speaking its exact wire
 * format) reports cache reads, cache writes and reasoning where the provider has them, and the usage event must
 * carry the counts in the gateway's terms and the exact cost, plain and streamed. OpenAI-speaking providers are
 * asked through OpenAI chat (the byte-forwarding fast path) and through Anthropic Messages (their adapter).
 *
 * Every deployment below sets only its input and output prices: cache and reasoning prices come from the pricing
 * table (or the deployment's own override, for the OpenAI-compatible server the table cannot know).
 */
const env = {
  TG_COST_OPENAI_KEY: OPENAI_KEY,
  TG_COST_ANTHROPIC_KEY: ANTHROPIC_KEY,
  TG_COST_GEMINI_KEY: GEMINI_STAND_IN_API_KEY,
  TG_COST_AWS_KEY_ID: BEDROCK_STAND_IN_CREDENTIALS.accessKeyId,
  TG_COST_AWS_SECRET: BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey,
};

/** 12,000 input tokens of which 8,000 read from the cache; 900 output tokens of which 300 reasoning. */
const CACHED: ScriptUsage = { inputTokens: 12_000, outputTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 0, reasoningTokens: 300 };
/** Anthropic-style caching also writes: 2,000 of the input written to the cache. */
const CACHED_AND_WRITTEN: ScriptUsage = { ...CACHED, cacheWriteTokens: 2_000 };

interface Case {
  readonly model: string;
  readonly usage: ScriptUsage;
  /** What the usage event must say: the counts as the gateway records them, and the exact cost. */
  readonly event: Pick<UsageEvent, 'promptTokens' | 'completionTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens' | 'cost'>;
  readonly routes: readonly Route[];
}

type Route = 'openai-chat' | 'anthropic-messages';

const CASES: Record<string, Case> = {
  // gpt-4.1-mini: 4,000 × 0.4 + 8,000 × 0.1 (table) + 900 × 1.6 = 3,840 per million.
  openai: {
    model: 'c-openai',
    usage: CACHED,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 0, reasoningTokens: 300, cost: '0.003840000000' },
    routes: ['openai-chat', 'anthropic-messages'],
  },
  // Azure deployment "gpt-4o-mini": 4,000 × 0.15 + 8,000 × 0.075 (table) + 900 × 0.6 = 1,740 per million.
  azure: {
    model: 'c-azure',
    usage: CACHED,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 0, reasoningTokens: 300, cost: '0.001740000000' },
    routes: ['openai-chat', 'anthropic-messages'],
  },
  // A vLLM-style server: no table entry; its own cached price 0.05. 4,000 × 0.25 + 8,000 × 0.05 + 900 × 0.75 = 2,075.
  openai_compatible: {
    model: 'c-compat',
    usage: CACHED,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 0, reasoningTokens: 300, cost: '0.002075000000' },
    routes: ['openai-chat', 'anthropic-messages'],
  },
  // claude-sonnet-4-5: 2,000 × 3 + 8,000 × 0.3 + 2,000 × 3.75 (5-minute write) + 900 × 15 = 29,400 per million.
  // Anthropic reports input_tokens without the cache: the event's prompt tokens are all 12,000.
  anthropic: {
    model: 'c-anthropic',
    usage: CACHED_AND_WRITTEN,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, reasoningTokens: 300, cost: '0.029400000000' },
    routes: ['openai-chat'],
  },
  // gemini-2.5-pro under 200K: 4,000 × 1.25 + 8,000 × 0.125 + 900 × 10 (thoughts billed as output) = 15,000 per million.
  gemini: {
    model: 'c-gemini',
    usage: CACHED,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 0, reasoningTokens: 300, cost: '0.015000000000' },
    routes: ['openai-chat'],
  },
  // Claude Haiku 4.5 through a US inference profile, a regional endpoint at 10% above the list (global) prices:
  // 2,000 × 1.1 + 8,000 × 0.11 + 2,000 × 1.375 + 900 × 5.5 = 10,780 per million. Converse reports no reasoning count
  // (it is inside outputTokens).
  bedrock: {
    model: 'c-bedrock',
    usage: CACHED_AND_WRITTEN,
    event: { promptTokens: 12_000, completionTokens: 900, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, reasoningTokens: 0, cost: '0.010780000000' },
    routes: ['openai-chat'],
  },
};

let t: TestDataPlane;
const standIns: { openai?: OpenAiStandIn; azure?: OpenAiStandIn; compat?: OpenAiStandIn; anthropic?: AnthropicStandIn; gemini?: GeminiStandIn; bedrock?: BedrockStandIn } = {};

beforeAll(async () => {
  Object.assign(process.env, env);
  [standIns.openai, standIns.azure, standIns.compat, standIns.anthropic, standIns.gemini, standIns.bedrock] = await Promise.all([
    startOpenAiStandIn(),
    startOpenAiStandIn({ azure: true }),
    startOpenAiStandIn({ apiKey: null }),
    startAnthropicStandIn(),
    startGeminiStandIn(),
    startBedrockStandIn(),
  ]);
  const snapshot = fixtureSnapshot();
  t = await startTestDataPlane({
    snapshot: {
      ...snapshot,
      models: [
        ...snapshot.models,
        model({ id: 'c1', name: 'c-openai', provider: 'openai', providerModel: 'gpt-4.1-mini-2025-04-14', apiBase: standIns.openai.url, apiKeyRef: 'env:TG_COST_OPENAI_KEY', inputCostPerMillion: 0.4, outputCostPerMillion: 1.6 }),
        model({ id: 'c2', name: 'c-azure', provider: 'azure', providerModel: 'gpt-4o-mini', apiBase: standIns.azure.url, apiVersion: '2024-10-21', apiKeyRef: 'env:TG_COST_OPENAI_KEY', inputCostPerMillion: 0.15, outputCostPerMillion: 0.6 }),
        model({ id: 'c3', name: 'c-compat', provider: 'openai_compatible', providerModel: 'qwen3', apiBase: standIns.compat.url, inputCostPerMillion: 0.25, outputCostPerMillion: 0.75, cachedInputCostPerMillion: 0.05 }),
        model({ id: 'c4', name: 'c-anthropic', provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', apiBase: standIns.anthropic.url, apiKeyRef: 'env:TG_COST_ANTHROPIC_KEY', inputCostPerMillion: 3, outputCostPerMillion: 15 }),
        model({ id: 'c5', name: 'c-gemini', provider: 'gemini', providerModel: 'gemini-2.5-pro', apiBase: standIns.gemini.url, apiKeyRef: 'env:TG_COST_GEMINI_KEY', inputCostPerMillion: 1.25, outputCostPerMillion: 10 }),
        model({
          id: 'c6',
          name: 'c-bedrock',
          provider: 'bedrock',
          providerModel: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
          apiBase: standIns.bedrock.url,
          region: BEDROCK_STAND_IN_REGION,
          awsAccessKeyIdRef: 'env:TG_COST_AWS_KEY_ID',
          awsSecretAccessKeyRef: 'env:TG_COST_AWS_SECRET',
          inputCostPerMillion: 1,
          outputCostPerMillion: 5,
        }),
        model({ id: 'c7', name: 'c-mock', inputCostPerMillion: 1, outputCostPerMillion: 2, costPerRequest: 0.0001 }),
        model({
          id: 'c8',
          name: 'c-bedrock-global',
          provider: 'bedrock',
          providerModel: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
          apiBase: standIns.bedrock.url,
          region: BEDROCK_STAND_IN_REGION,
          awsAccessKeyIdRef: 'env:TG_COST_AWS_KEY_ID',
          awsSecretAccessKeyRef: 'env:TG_COST_AWS_SECRET',
          inputCostPerMillion: 1,
          outputCostPerMillion: 5,
        }),
      ],
    },
  });
});

afterAll(async () => {
  await t?.close();
  await Promise.all(Object.values(standIns).map((s) => s?.close()));
});

/** Sends one request through `route`, reads the whole answer, and returns its usage event. */
async function usageOf(route: Route, modelName: string, script: Script, stream: boolean): Promise<UsageEvent> {
  const content = `Tell me something. ${directive(script)}`;
  const res =
    route === 'openai-chat'
      ? await fetch(`${t.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: modelName, stream, messages: [{ role: 'user', content }] }),
        })
      : await fetch(`${t.baseUrl}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': KEYS.full, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
          body: JSON.stringify({ model: modelName, max_tokens: 1024, stream, messages: [{ role: 'user', content }] }),
        });
  await res.text();
  expect(res.status).toBe(200);
  const requestId = res.headers.get('x-request-id')!;
  return waitFor(() => t.cp.acknowledged.get(requestId), 'usage event');
}

describe('cost golden tests: usage events per provider adapter', () => {
  for (const [provider, c] of Object.entries(CASES)) {
    for (const route of c.routes) {
      for (const stream of [false, true]) {
        it(`${provider} via ${route}, ${stream ? 'streamed' : 'plain'}: cache and reasoning counts and the exact cost`, async () => {
          const script: Script = { reasoning: 'Let me think about this.', text: 'Here is something worth knowing.', usage: c.usage };
          const event = await usageOf(route, c.model, script, stream);
          expect(event).toMatchObject({ ...c.event, totalTokens: c.event.promptTokens + c.event.completionTokens, estimated: false, status: 'success', provider });
        });
      }
    }
  }

  it('gemini above 200K input tokens: the whole request at the long-context tier', async () => {
    const usage: ScriptUsage = { inputTokens: 250_000, outputTokens: 1_000, cacheReadTokens: 50_000, cacheWriteTokens: 0, reasoningTokens: 0 };
    for (const stream of [false, true]) {
      const event = await usageOf('openai-chat', 'c-gemini', { text: 'Long answer.', usage }, stream);
      // 200,000 × 2.5 + 50,000 × 0.25 + 1,000 × 15 = 527,500 per million.
      expect(event).toMatchObject({ promptTokens: 250_000, cacheReadTokens: 50_000, completionTokens: 1_000, cost: '0.527500000000' });
    }
  });

  it('claude with 1-hour cache writes (anthropic, bedrock): those writes at 2× input, the 5-minute ones at 1.25×', async () => {
    // 1,500 of the 2,000 tokens written are written for an hour (`cache_control: {type: "ephemeral", ttl: "1h"}`).
    const usage: ScriptUsage = { ...CACHED_AND_WRITTEN, cacheWrite1hTokens: 1_500 };
    const cases = [
      // claude-sonnet-4-5: 2,000 × 3 + 8,000 × 0.3 + 500 × 3.75 + 1,500 × 6 + 900 × 15 = 32,775 per million.
      { model: 'c-anthropic', provider: 'anthropic', cost: '0.032775000000' },
      // Claude Haiku 4.5 on Bedrock, a US profile: (2,000 × 1 + 8,000 × 0.1 + 500 × 1.25 + 1,500 × 2 + 900 × 5) × 1.1
      // = 12,017.5 per million.
      { model: 'c-bedrock', provider: 'bedrock', cost: '0.012017500000' },
    ];
    for (const c of cases) {
      // Anthropic Messages to the anthropic deployment is the byte-forwarding fast path; the rest go through the adapters.
      for (const route of ['openai-chat', 'anthropic-messages'] as const) {
        for (const stream of [false, true]) {
          const event = await usageOf(route, c.model, { text: 'Cached for an hour.', usage }, stream);
          expect({ ...event, via: route }).toMatchObject({ via: route, stream, provider: c.provider, promptTokens: 12_000, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, estimated: false, cost: c.cost });
        }
      }
    }
  });

  it('bedrock: the global profile at the list prices, a regional endpoint (the US profile) 10% above them', async () => {
    for (const stream of [false, true]) {
      // 2,000 × 1 + 8,000 × 0.1 + 2,000 × 1.25 + 900 × 5 = 9,800 per million; the US profile: 10,780 (above).
      const global = await usageOf('openai-chat', 'c-bedrock-global', { text: 'Routed anywhere.', usage: CACHED_AND_WRITTEN }, stream);
      expect(global).toMatchObject({ provider: 'bedrock', promptTokens: 12_000, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, cost: '0.009800000000' });
    }
  });

  it('mock: its own counts, and the per-request price on top of tokens', async () => {
    for (const stream of [false, true]) {
      const event = await usageOf('openai-chat', 'c-mock', { text: 'ignored by the mock' }, stream);
      const tokens = event.promptTokens * 1 + event.completionTokens * 2;
      expect(event.promptTokens).toBeGreaterThan(0);
      expect(event.cost).toBe((tokens / 1e6 + 0.0001).toFixed(12));
      expect(event).toMatchObject({ provider: 'mock', cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, estimated: false });
    }
  });

  it('a stream the upstream cuts short: output counted from the text received, marked estimated, billed exactly', async () => {
    const text = 'The first words arrive before the connection drops without warning.';
    const event = await usageOf('openai-chat', 'c-anthropic', { text, usage: CACHED_AND_WRITTEN, fault: { kind: 'drop', afterChunks: 4 } }, true);
    // message_start reported the input (with its cache reads and writes); the output never was.
    const delivered = wordChunks(text).slice(0, 4).join('');
    expect(event).toMatchObject({ status: 'error', estimated: true, promptTokens: 12_000, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, completionTokens: countTextTokens(delivered) });
    // 2,000 × 3 + 8,000 × 0.3 + 2,000 × 3.75 + output × 15 per million.
    expect(event.cost).toBe(((15_900 + 15 * event.completionTokens) / 1e6).toFixed(12));
  });
});
