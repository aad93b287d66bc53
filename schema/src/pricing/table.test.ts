import { describe, expect, it } from 'vitest';
import type { ProviderKind } from '../config.js';
import { formatUnits, multiplyDecimal, numberToDecimal, toUnits } from './decimal.js';
import { deploymentModifiers, tablePrice } from './lookup.js';
import { PRICING_TABLE } from './table.js';

const model = (provider: ProviderKind, id: string) => tablePrice(provider, id)?.model;

describe('tablePrice', () => {
  it('should fold OpenAI snapshot dates into their model, except a snapshot priced on its own', () => {
    expect(model('openai', 'gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(model('openai', 'gpt-4.1-mini-2025-04-14')).toBe('gpt-4.1-mini');
    expect(model('openai', 'GPT-4o-mini')).toBe('gpt-4o-mini');
    expect(tablePrice('openai', 'gpt-4o-2024-05-13')).toMatchObject({ model: 'gpt-4o-2024-05-13', input: '5', output: '15' });
    expect(model('azure', 'gpt-4.1-2025-04-14')).toBe('gpt-4.1');
  });

  it('should fold Anthropic dates, -latest and the -0 of a 4.0 alias', () => {
    expect(model('anthropic', 'claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(model('anthropic', 'claude-3-5-haiku-latest')).toBe('claude-3-5-haiku');
    expect(model('anthropic', 'claude-sonnet-4-0')).toBe('claude-sonnet-4');
    expect(model('anthropic', 'claude-opus-4-1-20250805')).toBe('claude-opus-4-1');
    // The Claude 5 family: 5.5 is not 5, and its cache reads are not 0.1× input.
    expect(model('anthropic', 'claude-opus-5-5')).toBe('claude-opus-5-5');
    expect(model('anthropic', 'claude-opus-5')).toBe('claude-opus-5');
    expect(tablePrice('anthropic', 'claude-opus-5-5')).toMatchObject({ input: '4', output: '20', cachedInput: '0.2', cacheWrite: '5' });
    expect(tablePrice('anthropic', 'claude-fable-5-1')).toMatchObject({ input: '10', output: '50', cachedInput: '0.25' });
  });

  it('should strip Gemini\'s models/ prefix and version suffix, but not fold a preview into its model', () => {
    expect(model('gemini', 'models/gemini-2.0-flash-001')).toBe('gemini-2.0-flash');
    expect(model('gemini', 'gemini-2.5-pro')).toBe('gemini-2.5-pro');
    expect(model('gemini', 'gemini-2.5-flash-preview-05-20')).toBeUndefined();
  });

  it('should know the current models Tollgate is used with, so their cache reads are not billed as input', () => {
    // Gemini 3 previews (the ids Tollgate's own tests use), Gemini 3 Pro with its tier above 200K input tokens.
    expect(tablePrice('gemini', 'models/gemini-3-pro-preview')).toMatchObject({
      input: '2',
      output: '12',
      cachedInput: '0.2',
      tiers: [{ aboveInputTokens: 200_000, input: '4', output: '18', cachedInput: '0.4' }],
    });
    expect(tablePrice('gemini', 'gemini-3-flash-preview')).toMatchObject({ input: '0.5', output: '3', cachedInput: '0.05' });
    // OpenAI's GPT-5.5 family, snapshots folded in.
    expect(tablePrice('openai', 'gpt-5.5-2026-04-23')).toMatchObject({ model: 'gpt-5.5', input: '5', output: '30', cachedInput: '0.5' });
    expect(tablePrice('azure', 'gpt-5.5-pro')).toMatchObject({ input: '30', output: '180' });
    // Claude Fable 5.2: cheaper than 5.1, its 1-hour writes at 2× input.
    expect(tablePrice('anthropic', 'claude-fable-5-2')).toMatchObject({ input: '8', output: '40', cachedInput: '0.2', cacheWrite: '10', cacheWrite1h: '16' });
  });

  it('should know the models the QA audit of 2026-11-27 found unresolved', () => {
    // GPT-5.6 after OpenAI's price cut of 2026-07-30, with cache writes at 1.25× input.
    expect(tablePrice('openai', 'gpt-5.6-luna')).toMatchObject({ input: '0.2', output: '1.2', cachedInput: '0.02', cacheWrite: '0.25' });
    expect(tablePrice('azure', 'gpt-5.6-terra')).toMatchObject({ input: '2', output: '12', cachedInput: '0.2', cacheWrite: '2.5' });
    // GPT-6.
    expect(tablePrice('openai', 'gpt-6-astra')).toMatchObject({ input: '10', output: '50', cachedInput: '1', cacheWrite: '12.5' });
    expect(tablePrice('openai', 'gpt-6.1-sol')).toMatchObject({ input: '2', output: '10', cachedInput: '0.1', cacheWrite: '2.5' });
    expect(tablePrice('openai', 'gpt-6.1-terra')).toMatchObject({ input: '1', output: '5', cachedInput: '0.05', cacheWrite: '1.25' });
    expect(tablePrice('openai', 'gpt-6-sol')).toMatchObject({ input: '2', output: '10', cachedInput: '0.2', cacheWrite: '2.5' });
    expect(tablePrice('openai', 'gpt-6-luna')).toMatchObject({ input: '0.1', output: '0.5', cachedInput: '0.01', cacheWrite: '0.125' });
    for (const id of ['gpt-5.4-nano', 'gpt-5.4-pro', 'gpt-5-pro', 'gpt-5.2-pro', 'gpt-5-codex', 'gpt-5.1-codex', 'chatgpt-4o-latest', 'o3-pro', 'o3-mini', 'o1', 'text-embedding-3-small', 'text-embedding-3-large']) {
      expect(model('openai', id)).toBe(id);
    }
    expect(model('openai', 'o3-mini-2025-01-31')).toBe('o3-mini');
    expect(model('openai', 'o1-2024-12-17')).toBe('o1');
    // Gemini.
    expect(tablePrice('gemini', 'models/gemini-3.5-flash')).toMatchObject({ input: '1.5', output: '9', cachedInput: '0.15' });
    expect(tablePrice('gemini', 'gemini-3.1-pro-preview')).toMatchObject({ input: '2', output: '12', tiers: [{ aboveInputTokens: 200_000, input: '4', output: '18' }] });
    expect(tablePrice('gemini', 'gemini-3.1-flash-lite')).toMatchObject({ input: '0.25', output: '1.5' });
    // Claude on Bedrock.
    expect(model('bedrock', 'global.anthropic.claude-sonnet-5-5')).toBe('anthropic.claude-sonnet-5-5');
    expect(model('bedrock', 'us.anthropic.claude-sonnet-5-5')).toBe('anthropic.claude-sonnet-5-5');
    expect(model('bedrock', 'eu.anthropic.claude-sonnet-5-5')).toBe('anthropic.claude-sonnet-5-5');
    expect(model('bedrock', 'global.anthropic.claude-opus-4-8')).toBe('anthropic.claude-opus-4-8');
  });

  it('should resolve Bedrock model ids, inference profiles and ARNs to the base model', () => {
    expect(model('bedrock', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toBe('anthropic.claude-3-5-sonnet');
    expect(model('bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('anthropic.claude-sonnet-4-5');
    expect(model('bedrock', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0')).toBe('anthropic.claude-haiku-4-5');
    expect(model('bedrock', 'anthropic.claude-opus-4-6-v1')).toBe('anthropic.claude-opus-4-6');
    expect(model('bedrock', 'global.anthropic.claude-opus-4-7')).toBe('anthropic.claude-opus-4-7');
    expect(model('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0:48k')).toBe('anthropic.claude-3-haiku');
    expect(model('bedrock', 'apac.amazon.nova-pro-v1:0')).toBe('amazon.nova-pro');
    expect(model('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0')).toBe('meta.llama3-3-70b-instruct');
    expect(model('bedrock', 'arn:aws:bedrock:us-east-1::foundation-model/mistral.mixtral-8x7b-instruct-v0:1')).toBe('mistral.mixtral-8x7b-instruct');
  });

  it('should know nothing for providers without a table or models it does not list', () => {
    expect(tablePrice('openai_compatible', 'gpt-4o')).toBeUndefined();
    expect(tablePrice('mock', 'gpt-4o')).toBeUndefined();
    expect(tablePrice('openai', 'my-fine-tune')).toBeUndefined();
    // A Bedrock application inference profile's ARN names no model.
    expect(tablePrice('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3')).toBeUndefined();
  });
});

describe('deploymentModifiers', () => {
  it("should read a Bedrock deployment's endpoint from its model id: global profiles global, the rest regional", () => {
    expect(deploymentModifiers('bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({ endpoint: 'global' });
    expect(deploymentModifiers('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-6-v1')).toEqual({ endpoint: 'global' });
    for (const id of [
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      'jp.anthropic.claude-opus-4-7',
      'anthropic.claude-opus-4-6-v1',
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0',
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-6',
    ]) {
      expect({ id, ...deploymentModifiers('bedrock', id) }).toEqual({ id, endpoint: 'regional' });
    }
  });

  it('should say nothing of an application inference profile, nor of other providers', () => {
    expect(deploymentModifiers('bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3')).toEqual({});
    expect(deploymentModifiers('anthropic', 'claude-opus-4-6')).toEqual({});
    expect(deploymentModifiers('openai', 'global.gpt-4o')).toEqual({});
  });
});

describe('PRICING_TABLE', () => {
  const kinds: Record<string, ProviderKind> = { openai: 'openai', anthropic: 'anthropic', gemini: 'gemini', bedrock: 'bedrock' };
  const prices = PRICING_TABLE.flatMap((e) => [
    e.input,
    e.output,
    e.cachedInput,
    e.cacheWrite,
    e.cacheWrite1h,
    e.reasoning,
    e.perRequest,
    e.perImage,
    e.perWebSearch,
    e.perGroundedPrompt,
    e.audioInput,
    e.audioCachedInput,
    ...Object.values(e.adjustments ?? {}).flatMap((byValue) => Object.values(byValue ?? {}).flatMap((a) => [a.tokens, a.perWebSearch])),
    ...(e.tiers ?? []).flatMap((t) => [t.input, t.output, t.cachedInput, t.cacheWrite, t.cacheWrite1h]),
    ...Object.values(e.serviceTiers ?? {}).flatMap((t) => [t.input, t.output, t.cachedInput, t.cacheWrite, t.cacheWrite1h, t.reasoning]),
  ]).filter((p) => p !== undefined);

  it('should hold prices as plain decimal strings with at most 6 decimals, so every cost is exact to 12', () => {
    for (const p of prices) expect(p).toMatch(/^\d+(\.\d{1,6})?$/);
  });

  it('should give every entry a source URL, the day it was checked, and a note where a price is not verified', () => {
    for (const e of PRICING_TABLE) {
      expect(e.source).toMatch(/^https:\/\//);
      expect(e.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (e.verified === 'unverified') expect(e.note).toBeTruthy();
    }
  });

  it('should date the entries the QA audit of 2026-11-27 checked, each with a note naming its sources', () => {
    const checked = ['gpt-5.6-luna', 'gpt-5.6-terra', 'gpt-6-astra', 'gpt-6.1-terra', 'gpt-4o', 'o3', 'gemini-3.5-flash', 'claude-sonnet-5-5', 'anthropic.claude-sonnet-5-5'];
    for (const id of checked) {
      const e = PRICING_TABLE.find((x) => x.model === id)!;
      expect({ id, asOf: e.asOf }).toEqual({ id, asOf: '2026-11-27' });
      expect(e.note).toMatch(/https:\/\//);
    }
  });

  it('should find every entry by its own id, once', () => {
    const keys = PRICING_TABLE.map((e) => `${e.provider}:${e.model}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of PRICING_TABLE) expect(tablePrice(kinds[e.provider]!, e.model)).toBe(e);
  });

  it('should price every Claude model\'s 1-hour cache writes at 2× its input, and at 2× the tier\'s input in a tier', () => {
    const claude = PRICING_TABLE.filter((e) => e.model.includes('claude'));
    expect(claude.length).toBeGreaterThan(30);
    for (const e of claude) {
      const units = (p: string | undefined) => (p === undefined ? undefined : toUnits(p, 6));
      expect({ model: e.model, cacheWrite1h: units(e.cacheWrite1h) }).toEqual({ model: e.model, cacheWrite1h: 2n * toUnits(e.input, 6) });
      for (const t of e.tiers ?? []) expect({ model: e.model, cacheWrite1h: units(t.cacheWrite1h) }).toEqual({ model: e.model, cacheWrite1h: 2n * toUnits(t.input, 6) });
    }
    // No other model prices its 1-hour writes apart: their writes (if any) are billed at `cacheWrite`.
    for (const e of PRICING_TABLE.filter((e) => !e.model.includes('claude'))) expect(e.cacheWrite1h).toBeUndefined();
  });

  it('should price OpenAI\'s flex tier at half the standard prices and its priority tier as OpenAI\'s priority page lists it', () => {
    for (const e of PRICING_TABLE.filter((e) => e.provider === 'openai')) {
      expect({ model: e.model, flex: e.serviceTiers?.flex }).toEqual({
        model: e.model,
        flex: Object.fromEntries(Object.entries({ input: e.input, output: e.output, cachedInput: e.cachedInput, cacheWrite: e.cacheWrite }).flatMap(([k, v]) => (v === undefined ? [] : [[k, formatUnits(toUnits(v, 7) / 2n, 7, 7).replace(/\.?0+$/, '')]]))),
      });
    }
    const priority = Object.fromEntries(PRICING_TABLE.flatMap((e) => (e.serviceTiers?.priority === undefined ? [] : [[e.model, e.serviceTiers.priority]])));
    expect(priority).toEqual({
      'gpt-5': { input: '2.5', output: '20', cachedInput: '0.25' },
      'gpt-5-mini': { input: '0.45', output: '3.6', cachedInput: '0.045' },
      'gpt-5.1': { input: '2.5', output: '20', cachedInput: '0.25' },
      'gpt-5.2': { input: '3.5', output: '28', cachedInput: '0.35' },
      'gpt-5.4': { input: '5', output: '30', cachedInput: '0.5' },
      'gpt-5.4-mini': { input: '1.5', output: '9', cachedInput: '0.15' },
      'gpt-5.5': { input: '12.5', output: '75', cachedInput: '1.25' },
      'gpt-5-codex': { input: '2.5', output: '20', cachedInput: '0.25' },
      'gpt-5.1-codex': { input: '2.5', output: '20', cachedInput: '0.25' },
      'gpt-4.1': { input: '3.5', output: '14', cachedInput: '0.875' },
      // OpenAI's priority-processing page, read 2026-11-27.
      'gpt-4.1-mini': { input: '0.7', output: '2.8', cachedInput: '0.175' },
      'gpt-4.1-nano': { input: '0.2', output: '0.8', cachedInput: '0.05' },
      'gpt-4o': { input: '4.25', output: '17', cachedInput: '2.125' },
      'gpt-4o-2024-05-13': { input: '8.75', output: '26.25' },
      'gpt-4o-mini': { input: '0.25', output: '1', cachedInput: '0.125' },
      o3: { input: '3.5', output: '14', cachedInput: '0.875' },
      'o4-mini': { input: '2', output: '8', cachedInput: '0.5' },
      // Fast mode (priority) at 2× every standard price, as the GPT-5.6 and GPT-6 model pages say.
      'gpt-5.6-terra': { input: '4', output: '24', cachedInput: '0.4', cacheWrite: '5' },
      'gpt-5.6-luna': { input: '0.4', output: '2.4', cachedInput: '0.04', cacheWrite: '0.5' },
      'gpt-6-astra': { input: '20', output: '100', cachedInput: '2', cacheWrite: '25' },
      'gpt-6-sol': { input: '4', output: '20', cachedInput: '0.4', cacheWrite: '5' },
      'gpt-6-luna': { input: '0.2', output: '1', cachedInput: '0.02', cacheWrite: '0.25' },
      'gpt-6.1-sol': { input: '4', output: '20', cachedInput: '0.2', cacheWrite: '5' },
      'gpt-6.1-terra': { input: '2', output: '10', cachedInput: '0.1', cacheWrite: '2.5' },
      'gpt-6.2-sol': { input: '4', output: '20', cachedInput: '0.2', cacheWrite: '5' },
      'gpt-6.2-astra': { input: '16', output: '80', cachedInput: '0.8', cacheWrite: '20' },
    });
    for (const e of PRICING_TABLE.filter((e) => e.provider !== 'openai')) expect(e.serviceTiers).toBeUndefined();
  });

  it('should bill search tools as their providers do: OpenAI per web search call, Gemini 3 per query, Gemini 2.x per grounded prompt', () => {
    for (const e of PRICING_TABLE.filter((e) => e.provider === 'openai')) expect({ model: e.model, perWebSearch: e.perWebSearch, perGroundedPrompt: e.perGroundedPrompt }).toEqual({ model: e.model, perWebSearch: '0.01' });
    const gemini = Object.fromEntries(PRICING_TABLE.filter((e) => e.provider === 'gemini').map((e) => [e.model, { perWebSearch: e.perWebSearch, perGroundedPrompt: e.perGroundedPrompt }]));
    expect(gemini).toEqual({
      'gemini-3-pro-preview': { perWebSearch: '0.014' },
      'gemini-3.1-pro-preview': { perWebSearch: '0.014' },
      'gemini-3.5-flash': { perWebSearch: '0.014' },
      'gemini-3.1-flash-lite': { perWebSearch: '0.014' },
      'gemini-3-flash-preview': { perWebSearch: '0.014' },
      'gemini-2.5-pro': { perGroundedPrompt: '0.035' },
      'gemini-2.5-flash': { perGroundedPrompt: '0.035' },
      'gemini-2.5-flash-lite': { perGroundedPrompt: '0.035' },
      'gemini-2.0-flash': { perGroundedPrompt: '0.035' },
    });
    // Google's free grounding allowance is the project's, which the gateway cannot see: the notes say it is not subtracted.
    for (const e of PRICING_TABLE.filter((e) => e.provider === 'gemini')) expect(e.note).toContain('free daily or monthly allowance is not subtracted');
    for (const e of PRICING_TABLE.filter((e) => e.provider === 'bedrock')) expect([e.perWebSearch, e.perGroundedPrompt]).toEqual([undefined, undefined]);
  });

  it('should price fast mode (2×) on the Claude API models that have it, and US-only inference (1.1×) on Claude 4.6 and later', () => {
    const anthropic = PRICING_TABLE.filter((e) => e.provider === 'anthropic');
    const fast = Object.fromEntries(anthropic.flatMap((e) => (e.adjustments?.speed === undefined ? [] : [[e.model, e.adjustments.speed]])));
    expect(fast).toEqual(Object.fromEntries(['claude-fable-5-2', 'claude-opus-5-5', 'claude-opus-5', 'claude-opus-4-8'].map((m) => [m, { fast: { tokens: '2' } }])));
    const usOnly = anthropic.filter((e) => e.adjustments?.inferenceGeo !== undefined).map((e) => e.model);
    expect(usOnly.sort()).toEqual(
      [
        'claude-fable-5-2',
        'claude-fable-5-1',
        'claude-mythos-5-1',
        'claude-fable-5',
        'claude-mythos-5',
        'claude-opus-5-5',
        'claude-opus-5',
        'claude-sonnet-5-5',
        'claude-sonnet-5',
        'claude-haiku-5-5',
        'claude-opus-4-8',
        'claude-opus-4-7',
        'claude-opus-4-6',
        'claude-sonnet-4-6',
      ].sort(),
    );
    for (const e of anthropic) if (e.adjustments?.inferenceGeo !== undefined) expect(e.adjustments.inferenceGeo).toEqual({ us: { tokens: '1.1' } });
    // Fast mode and inference_geo are the Claude API's: no other provider's entry has them.
    for (const e of PRICING_TABLE.filter((e) => e.provider !== 'anthropic')) expect([e.adjustments?.speed, e.adjustments?.inferenceGeo]).toEqual([undefined, undefined]);
  });

  it('should price Claude 4.5 and later on Bedrock 10% above the list prices at regional endpoints, and older models alike everywhere', () => {
    const regional = PRICING_TABLE.filter((e) => e.adjustments?.endpoint !== undefined);
    expect(regional.map((e) => e.model).sort()).toEqual(
      [
        'anthropic.claude-fable-5',
        'anthropic.claude-mythos-5',
        'anthropic.claude-opus-5',
        'anthropic.claude-opus-4-8',
        'anthropic.claude-sonnet-5-5',
        'anthropic.claude-opus-4-7',
        'anthropic.claude-opus-4-6',
        'anthropic.claude-opus-4-5',
        'anthropic.claude-sonnet-4-6',
        'anthropic.claude-sonnet-4-5',
        'anthropic.claude-haiku-4-5',
      ].sort(),
    );
    for (const e of regional) expect({ provider: e.provider, endpoint: e.adjustments!.endpoint }).toEqual({ provider: 'bedrock', endpoint: { regional: { tokens: '1.1' } } });
  });

  it("should bill the legacy web_search_preview at $25 per 1,000 calls on OpenAI's non-reasoning models only", () => {
    const preview = PRICING_TABLE.filter((e) => e.adjustments?.searchTool !== undefined);
    expect(preview.map((e) => e.model).sort()).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-2024-05-13', 'gpt-4o-mini']);
    for (const e of preview) expect(e.adjustments!.searchTool).toEqual({ web_search_preview: { perWebSearch: '0.025' } });
  });

  it("should price Gemini Flash's audio input above its other input, and the Pro models' alike", () => {
    const audio = Object.fromEntries(PRICING_TABLE.filter((e) => e.provider === 'gemini').map((e) => [e.model, [e.audioInput, e.audioCachedInput]]));
    expect(audio).toEqual({
      'gemini-2.5-pro': [undefined, undefined],
      'gemini-3-pro-preview': [undefined, undefined],
      'gemini-3.1-pro-preview': [undefined, undefined],
      // Not found for these: their audio is billed as other input.
      'gemini-3.5-flash': [undefined, undefined],
      'gemini-3.1-flash-lite': [undefined, undefined],
      'gemini-3-flash-preview': ['1', '0.1'],
      'gemini-2.5-flash': ['1', '0.1'],
      'gemini-2.5-flash-lite': ['0.3', '0.03'],
      'gemini-2.0-flash': ['0.7', '0.175'],
    });
    for (const e of PRICING_TABLE.filter((e) => e.provider !== 'gemini')) expect([e.audioInput, e.audioCachedInput]).toEqual([undefined, undefined]);
  });

  it("should price OpenAI's long context (above 272K input tokens) at 2× input and cache, 1.5× output, GPT-5.4 and later", () => {
    const long = Object.fromEntries(PRICING_TABLE.filter((e) => e.provider === 'openai' && e.tiers !== undefined).map((e) => [e.model, e.tiers]));
    expect(Object.keys(long).sort()).toEqual(
      ['gpt-5.4', 'gpt-5.4-pro', 'gpt-5.5', 'gpt-5.6-sol', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-6-astra', 'gpt-6-sol', 'gpt-6-luna', 'gpt-6.1-sol', 'gpt-6.1-terra', 'gpt-6.2-sol', 'gpt-6.2-astra'].sort(),
    );
    expect(long['gpt-5.4']).toEqual([{ aboveInputTokens: 272_000, input: '5', output: '22.5', cachedInput: '0.5' }]);
    expect(long['gpt-5.6-terra']).toEqual([{ aboveInputTokens: 272_000, input: '4', output: '18', cachedInput: '0.4', cacheWrite: '5' }]);
    expect(long['gpt-5.6-luna']).toEqual([{ aboveInputTokens: 272_000, input: '0.4', output: '1.8', cachedInput: '0.04', cacheWrite: '0.5' }]);
    expect(long['gpt-6.1-terra']).toEqual([{ aboveInputTokens: 272_000, input: '2', output: '7.5', cachedInput: '0.1', cacheWrite: '2.5' }]);
    for (const e of PRICING_TABLE.filter((e) => e.provider === 'openai' && e.tiers !== undefined)) {
      const [tier] = e.tiers!;
      expect({ model: e.model, input: toUnits(tier!.input, 6), output: toUnits(tier!.output, 6) }).toEqual({ model: e.model, input: 2n * toUnits(e.input, 6), output: (3n * toUnits(e.output, 6)) / 2n });
    }
  });

  it('should only have tiers that cost more than the base price', () => {
    for (const e of PRICING_TABLE) {
      for (const t of e.tiers ?? []) {
        expect(toUnits(t.input, 6)).toBeGreaterThan(toUnits(e.input, 6));
        expect(toUnits(t.output, 6)).toBeGreaterThanOrEqual(toUnits(e.output, 6));
      }
    }
  });
});

describe('decimal helpers', () => {
  it('should multiply a price exactly, rounding up past 12 decimals', () => {
    expect(multiplyDecimal('3', '1.1')).toBe('3.3');
    expect(multiplyDecimal('0.00875', '1.1')).toBe('0.009625');
    expect(multiplyDecimal('100', '1')).toBe('100');
    expect(multiplyDecimal('0', '1.1')).toBe('0');
    expect(multiplyDecimal('0.000000000001', '0.5')).toBe('0.000000000001');
  });

  it('should read numbers in their shortest form, expanding exponents', () => {
    expect(numberToDecimal(0.075)).toBe('0.075');
    expect(numberToDecimal(1e-7)).toBe('0.0000001');
    expect(numberToDecimal(1.5e-9)).toBe('0.0000000015');
    expect(numberToDecimal(2e21)).toBe('2000000000000000000000');
    expect(numberToDecimal(12)).toBe('12');
    expect(() => numberToDecimal(-1)).toThrow(RangeError);
  });

  it('should round digits beyond the scale up, and format with a fixed number of decimals', () => {
    expect(toUnits('0.075', 6)).toBe(75_000n);
    expect(toUnits('0.0000001', 6)).toBe(1n);
    expect(toUnits(3, 2)).toBe(300n);
    expect(() => toUnits('1e3', 2)).toThrow(RangeError);
    expect(formatUnits(1_234_567n, 6, 6)).toBe('1.234567');
    expect(formatUnits(1_234_567n, 6, 3)).toBe('1.235');
    expect(formatUnits(5n, 6, 6)).toBe('0.000005');
  });
});
