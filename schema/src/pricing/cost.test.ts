import { describe, expect, it } from 'vitest';
import { ModelConfig } from '../config.js';
import { computeCost, effectivePrice, estimateCostNanos, type Price } from './cost.js';
import { toUnits } from './decimal.js';

const flat = (over: Partial<Price> = {}): Price => ({
  input: '1',
  output: '2',
  cachedInput: '1',
  cacheWrite: '1',
  cacheWrite1h: '1',
  reasoning: '2',
  audioInput: '1',
  audioCachedInput: '1',
  perRequest: '0',
  perImage: '0',
  perWebSearch: '0',
  perGroundedPrompt: '0',
  perFileSearch: '0',
  tiers: [],
  serviceTiers: {},
  adjustments: {},
  ...over,
});

const deployment = (over: Partial<ModelConfig> & Pick<ModelConfig, 'provider' | 'providerModel' | 'inputCostPerMillion' | 'outputCostPerMillion'>): ModelConfig =>
  ModelConfig.parse({ id: 'm', name: 'm', ...over });

/** A small deterministic generator (mulberry32), so the property runs the same numbers every time. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('computeCost', () => {
  it('should bill each kind of token at its own price, per request and per image on top', () => {
    const price = flat({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', reasoning: '20', perRequest: '0.005', perImage: '0.001' });
    const cost = computeCost(price, { inputTokens: 10_000, cacheReadTokens: 6_000, cacheWriteTokens: 1_000, outputTokens: 2_000, reasoningTokens: 500, images: 3 });
    // 3,000 × 3 + 6,000 × 0.3 + 1,000 × 3.75 + 1,500 × 15 + 500 × 20 = 9,000 + 1,800 + 3,750 + 22,500 + 10,000 = 47,050 per million
    // = 0.04705, + 0.005 per request + 3 × 0.001 per image = 0.05505
    expect(cost.usd).toBe('0.055050000000');
    expect(cost.nanos).toBe(55_050_000n);
  });

  it('should bill 1-hour cache writes at their own price and the other writes at the cache-write price', () => {
    const price = flat({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6' });
    const cost = computeCost(price, { inputTokens: 10_000, cacheReadTokens: 4_000, cacheWriteTokens: 5_000, cacheWrite1hTokens: 2_000, outputTokens: 1_000 });
    // 1,000 × 3 + 4,000 × 0.3 + 3,000 × 3.75 (5-minute) + 2,000 × 6 (1-hour) + 1,000 × 15 = 42,450 per million.
    expect(cost.usd).toBe('0.042450000000');
    // Without the split every write is a 5-minute write: 1,000 × 3 + 4,000 × 0.3 + 5,000 × 3.75 + 1,000 × 15.
    expect(computeCost(price, { inputTokens: 10_000, cacheReadTokens: 4_000, cacheWriteTokens: 5_000, outputTokens: 1_000 }).usd).toBe('0.037950000000');
  });

  it("should bill a server tool's web searches per search, on top of tokens", () => {
    const price = flat({ input: '3', output: '15', perWebSearch: '0.01' });
    // 1,000 × 3 + 200 × 15 = 6,000 per million = 0.006, + 3 searches × 0.01.
    expect(computeCost(price, { inputTokens: 1_000, outputTokens: 200, webSearches: 3 }).usd).toBe('0.036000000000');
    // Claude's list entries carry Anthropic's $10 per 1,000 searches, OpenAI's its $10 per 1,000 web search calls,
    // Gemini 3's Google's $14 per 1,000 grounding queries.
    expect(effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5', inputCostPerMillion: 3, outputCostPerMillion: 15 })).perWebSearch).toBe('0.01');
    expect(effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 2.5, outputCostPerMillion: 10 })).perWebSearch).toBe('0.01');
    expect(effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-3-flash-preview', inputCostPerMillion: 0.5, outputCostPerMillion: 3 }))).toMatchObject({ perWebSearch: '0.014', perGroundedPrompt: '0' });
  });

  it('should bill a grounded prompt once, however many searches it ran, and nothing for a prompt that did not search', () => {
    const price = flat({ input: '0.3', output: '2.5', perGroundedPrompt: '0.035' });
    // 1,000 × 0.3 + 200 × 2.5 = 800 per million = 0.0008, + one grounded prompt.
    expect(computeCost(price, { inputTokens: 1_000, outputTokens: 200, webSearches: 3 }).usd).toBe('0.035800000000');
    expect(computeCost(price, { inputTokens: 1_000, outputTokens: 200, webSearches: 1 }).usd).toBe('0.035800000000');
    expect(computeCost(price, { inputTokens: 1_000, outputTokens: 200, webSearches: 0 }).usd).toBe('0.000800000000');
    expect(computeCost(price, { inputTokens: 1_000, outputTokens: 200 }).usd).toBe('0.000800000000');
    // Gemini 2.5's list entries bill Google's $35 per 1,000 grounded prompts, and no fee per query.
    expect(effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-flash', inputCostPerMillion: 0.3, outputCostPerMillion: 2.5 }))).toMatchObject({ perWebSearch: '0', perGroundedPrompt: '0.035' });
  });

  it("should leave search fees to the provider's own deployments: Azure's web search is Microsoft's, priced by Microsoft", () => {
    expect(effectivePrice(deployment({ provider: 'azure', providerModel: 'gpt-4o', inputCostPerMillion: 2.5, outputCostPerMillion: 10 }))).toMatchObject({ cachedInput: '1.25', perWebSearch: '0', perFileSearch: '0' });
  });

  it("should bill a hosted file search per call, on top of tokens: OpenAI's $2.50 per 1,000 calls", () => {
    const price = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-5.4', inputCostPerMillion: 2.5, outputCostPerMillion: 15 }));
    expect(price.perFileSearch).toBe('0.0025');
    const tokens = computeCost(price, { inputTokens: 1_000, outputTokens: 200 });
    const searched = computeCost(price, { inputTokens: 1_000, outputTokens: 200, fileSearches: 3 });
    expect(toUnits(searched.usd, 12) - toUnits(tokens.usd, 12)).toBe(toUnits('0.0075', 12));
    // Beside web searches, each at its own fee.
    const both = computeCost(price, { inputTokens: 1_000, outputTokens: 200, fileSearches: 1, webSearches: 1 });
    expect(toUnits(both.usd, 12) - toUnits(tokens.usd, 12)).toBe(toUnits('0.0125', 12));
  });

  it('should never bill more 1-hour writes than writes', () => {
    const price = flat({ cacheWrite: '1.25', cacheWrite1h: '2' });
    // 3 writes reported, 5 of them "1-hour": the 3 writes are billed as 1-hour writes, nothing more.
    expect(computeCost(price, { inputTokens: 10, cacheWriteTokens: 3, cacheWrite1hTokens: 5, outputTokens: 0 }).usd).toBe('0.000013000000');
  });

  it('should be exact where floats are not: 0.1 + 0.2 is 0.3', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    const cost = computeCost(flat({ input: '0.1', output: '0.2' }), { inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(cost.usd).toBe('0.300000000000');
    expect(computeCost(flat({ input: '0.1', output: '0.2' }), { inputTokens: 1, outputTokens: 1 }).usd).toBe('0.000000300000');
  });

  it('should give sums of a million small costs that equal the exact product: no drift', () => {
    const price = flat({ input: '0.075', output: '0.3', cachedInput: '0.0375', cacheWrite: '0.09375', reasoning: '0.3' });
    const next = random(42);
    const totals = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    let sum = 0n;
    for (let i = 0; i < 1_000_000; i++) {
      const input = 1 + Math.floor(next() * 40);
      const cacheRead = Math.floor(next() * input * 0.5);
      const cacheWrite = Math.floor(next() * (input - cacheRead));
      const output = Math.floor(next() * 20);
      const reasoning = Math.floor(next() * output);
      const usage = { inputTokens: input, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, outputTokens: output, reasoningTokens: reasoning };
      const cost = computeCost(price, usage);
      sum += toUnits(cost.usd, 12);
      totals.inputTokens += input;
      totals.cacheReadTokens += cacheRead;
      totals.cacheWriteTokens += cacheWrite;
      totals.outputTokens += output;
      totals.reasoningTokens += reasoning;
    }
    // Cost is linear in the counts, so the million costs must add up to the cost of all the tokens at once.
    const whole = computeCost(price, totals);
    expect(sum).toBe(toUnits(whole.usd, 12));
    expect(whole.usd).toBe('4.352362743750');
  });

  it('should round nanos up and keep usd to 12 decimals without exponent', () => {
    const tiny = computeCost(flat({ input: '0.0001' }), { inputTokens: 1, outputTokens: 0 });
    expect(tiny.usd).toBe('0.000000000100');
    expect(tiny.nanos).toBe(1n);
    const none = computeCost(flat(), { inputTokens: 0, outputTokens: 0 });
    expect(none).toEqual({ usd: '0.000000000000', nanos: 0n });
    const big = computeCost(flat({ input: '75' }), { inputTokens: 2_000_000_000, outputTokens: 0 });
    expect(big.usd).toBe('150000.000000000000');
  });

  it('should never bill a negative remainder when a provider reports more cache reads than input', () => {
    const cost = computeCost(flat({ cachedInput: '0.5' }), { inputTokens: 10, cacheReadTokens: 20, outputTokens: 5, reasoningTokens: 9 });
    // 20 × 0.5 + 9 × 2 = 28 per million: the uncached input and the non-reasoning output are 0, not negative.
    expect(cost.usd).toBe('0.000028000000');
  });

  it('should bill the whole request at a tier once its input (cache included) exceeds the threshold', () => {
    const price = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1.25, outputCostPerMillion: 10 }));
    const at = computeCost(price, { inputTokens: 200_000, outputTokens: 1_000 });
    expect(at.usd).toBe('0.260000000000'); // 200,000 × 1.25 + 1,000 × 10
    const above = computeCost(price, { inputTokens: 200_001, cacheReadTokens: 100_000, outputTokens: 1_000 });
    expect(above.usd).toBe('0.290002500000'); // 100,001 × 2.5 + 100,000 × 0.25 + 1,000 × 15
  });

  it('should bill 1-hour writes at the tier\'s own 1-hour price above the threshold', () => {
    const price = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5', inputCostPerMillion: 3, outputCostPerMillion: 15 }));
    const usage = { inputTokens: 250_000, cacheReadTokens: 100_000, cacheWriteTokens: 50_000, cacheWrite1hTokens: 30_000, outputTokens: 1_000 };
    // 100,000 × 6 + 100,000 × 0.6 + 20,000 × 7.5 + 30,000 × 12 + 1,000 × 22.5 = 1,192,500 per million.
    expect(computeCost(price, usage).usd).toBe('1.192500000000');
    // Below it, 1-hour writes at 6 (2× the base input): 100,000 × 0.3 + 20,000 × 3.75 + 30,000 × 6 + 1,000 × 15.
    expect(computeCost(price, { ...usage, inputTokens: 150_000 }).usd).toBe('0.300000000000');
  });
});

describe('service tiers (OpenAI service_tier)', () => {
  const gpt54 = deployment({ provider: 'openai', providerModel: 'gpt-5.4-2026-03-05', inputCostPerMillion: 2.5, outputCostPerMillion: 15 });
  const usage = { inputTokens: 10_000, cacheReadTokens: 4_000, outputTokens: 1_000, reasoningTokens: 400 };

  it('should bill a request served at priority at the priority prices, and one served at flex at half the standard prices', () => {
    const price = effectivePrice(gpt54);
    // Standard: 6,000 × 2.5 + 4,000 × 0.25 + 1,000 × 15 = 31,000 per million.
    expect(computeCost(price, usage).usd).toBe('0.031000000000');
    expect(computeCost(price, { ...usage, serviceTier: 'default' }).usd).toBe('0.031000000000');
    // Priority (OpenAI's priority page): 6,000 × 5 + 4,000 × 0.5 + 1,000 × 30 = 62,000 per million.
    expect(computeCost(price, { ...usage, serviceTier: 'priority' }).usd).toBe('0.062000000000');
    // OpenAI's new name for it (fast mode, 2026-07-30), which later models report.
    expect(computeCost(price, { ...usage, serviceTier: 'fast' }).usd).toBe('0.062000000000');
    // Flex (Batch rates): 6,000 × 1.25 + 4,000 × 0.125 + 1,000 × 7.5 = 15,500 per million.
    expect(computeCost(price, { ...usage, serviceTier: 'flex' }).usd).toBe('0.015500000000');
    // Tiers without prices of their own (scale, or one OpenAI adds later) are billed at the standard prices.
    expect(computeCost(price, { ...usage, serviceTier: 'scale' }).usd).toBe('0.031000000000');
  });

  it('should bill a model the priority page does not list at its standard prices when served at priority', () => {
    const price = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-5-nano', inputCostPerMillion: 0.05, outputCostPerMillion: 0.4 }));
    expect(computeCost(price, { ...usage, serviceTier: 'priority' }).usd).toBe(computeCost(price, usage).usd);
    expect(computeCost(price, { ...usage, serviceTier: 'flex' }).usd).toBe('0.000360000000'); // 6,000 × 0.025 + 4,000 × 0.0025 + 1,000 × 0.2
  });

  it("should bill a deployment with prices of its own at the table's tier ratios applied to its own prices", () => {
    // 20% below GPT-5.4's list (2.5 / 15): priority (OpenAI's 5 / 30, 2× the list) is 2× its own, flex half its own.
    const price = effectivePrice(deployment({ provider: 'azure', providerModel: 'gpt-5.4', inputCostPerMillion: 2, outputCostPerMillion: 12 }));
    expect(price.serviceTiers).toEqual({ flex: { input: '1', output: '6', cachedInput: '0.1' }, priority: { input: '4', output: '24', cachedInput: '0.4' } });
    // Standard: 6,000 × 2 + 4,000 × 0.25 (the table's cache price, which it does not set) + 1,000 × 12 = 25,000 per million.
    expect(computeCost(price, usage).usd).toBe('0.025000000000');
    // Priority: 6,000 × 4 + 4,000 × 0.4 + 1,000 × 24 = 49,600 per million.
    expect(computeCost(price, { ...usage, serviceTier: 'priority' }).usd).toBe('0.049600000000');
  });

  it('should bill flex on a discounted GPT-5 deployment at half its own prices, its own cache-read price included', () => {
    const own = { provider: 'openai', providerModel: 'gpt-5-2025-08-07', inputCostPerMillion: 1.125, outputCostPerMillion: 9, cachedInputCostPerMillion: 0.1 } as const;
    const price = effectivePrice(deployment(own));
    expect(price.serviceTiers.flex).toEqual({ input: '0.5625', output: '4.5', cachedInput: '0.05' });
    const plain = { inputTokens: 10_000, outputTokens: 1_000 };
    // Half of 10,000 × 1.125 + 1,000 × 9 = 20,250 per million.
    expect(computeCost(price, { ...plain, serviceTier: 'flex' }).usd).toBe('0.010125000000');
    expect(toUnits(computeCost(price, plain).usd, 12)).toBe(2n * toUnits(computeCost(price, { ...plain, serviceTier: 'flex' }).usd, 12));
    // Its own cache-read price is halved too (it was ignored under flex): 6,000 × 0.5625 + 4,000 × 0.05 + 1,000 × 4.5.
    expect(computeCost(price, { ...usage, serviceTier: 'flex' }).usd).toBe('0.008075000000');
  });

  it("should bill priority on a discounted deployment at the table's priority ratio applied to its own prices", () => {
    // GPT-4o's priority is 4.25 / 2.125 / 17 against 2.5 / 1.25 / 10 (1.7×); at 2.25 / 9 (10% off) it is 3.825 / 15.3.
    const price = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 2.25, outputCostPerMillion: 9 }));
    expect(price.serviceTiers.priority).toEqual({ input: '3.825', output: '15.3', cachedInput: '1.9125' });
    const list = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 2.5, outputCostPerMillion: 10 }));
    const priority = { inputTokens: 10_000, outputTokens: 1_000, serviceTier: 'priority' };
    expect(toUnits(computeCost(price, priority).usd, 12) * 10n).toBe(toUnits(computeCost(list, priority).usd, 12) * 9n);
  });

  it('should leave a deployment at the exact list price at the table\'s tier prices', () => {
    const price = effectivePrice(gpt54);
    expect(price.serviceTiers).toEqual({ flex: { input: '1.25', output: '7.5', cachedInput: '0.125' }, priority: { input: '5', output: '30', cachedInput: '0.5' } });
    expect(price.tiers).toEqual([{ aboveInputTokens: 272_000, input: '5', output: '22.5', cachedInput: '0.5' }]);
    // A list-priced deployment that sets the table's own cache price is the same.
    expect(effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-5.4', inputCostPerMillion: 2.5, outputCostPerMillion: 15, cachedInputCostPerMillion: 0.25 }))).toEqual(price);
  });

  it('should estimate a request that asks for priority at the priority prices, one that asks for nothing at the standard ones', () => {
    const price = effectivePrice(gpt54);
    // 1,000 × 5 + 500 × 30 = 20,000 per million; standard: 1,000 × 2.5 + 500 × 15 = 10,000.
    expect(estimateCostNanos(price, 1_000, 500, 0, 'priority')).toBe(20_000_000n);
    // A request asking for `fast`, the same tier, reserves the same.
    expect(estimateCostNanos(price, 1_000, 500, 0, 'fast')).toBe(20_000_000n);
    expect(estimateCostNanos(price, 1_000, 500)).toBe(10_000_000n);
    expect(estimateCostNanos(price, 1_000, 500, 0, 'flex')).toBe(10_000_000n);
    for (const serviceTier of ['priority', 'flex', 'default'] as const) {
      expect(estimateCostNanos(price, 10_000, 1_000, 0, serviceTier)).toBeGreaterThanOrEqual(computeCost(price, { inputTokens: 10_000, outputTokens: 1_000, serviceTier }).nanos);
    }
  });
});

describe('effectivePrice', () => {
  it('should take the table\'s cache prices for a deployment that sets none', () => {
    const price = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', inputCostPerMillion: 3, outputCostPerMillion: 15 }));
    expect(price).toEqual({
      input: '3',
      output: '15',
      cachedInput: '0.3',
      cacheWrite: '3.75',
      cacheWrite1h: '6',
      reasoning: '15',
      audioInput: '3',
      audioCachedInput: '0.3',
      perRequest: '0',
      perImage: '0',
      perWebSearch: '0.01',
      perGroundedPrompt: '0',
      perFileSearch: '0',
      tiers: [{ aboveInputTokens: 200_000, input: '6', output: '22.5', cachedInput: '0.6', cacheWrite: '7.5', cacheWrite1h: '12' }],
      serviceTiers: {},
      adjustments: {},
    });
  });

  it('should let the deployment\'s own prices win over the table, and scale the table\'s tiers to them', () => {
    const price = effectivePrice(
      deployment({
        provider: 'anthropic',
        providerModel: 'claude-sonnet-4-5',
        inputCostPerMillion: 2.4,
        outputCostPerMillion: 12,
        cachedInputCostPerMillion: 0.24,
        cacheWriteCostPerMillion: 3,
        reasoningCostPerMillion: 12.5,
        costPerRequest: 0.001,
        costPerImage: 0.0000001,
      }),
    );
    // Its own cache-write price is the price of every write: a deployment cannot price 1-hour writes apart. The tier
    // above 200K keeps the table's ratios: 20% below the list on every price it sets (6 / 22.5 / 0.6 / 7.5 × 0.8).
    expect(price).toEqual({
      input: '2.4',
      output: '12',
      cachedInput: '0.24',
      cacheWrite: '3',
      cacheWrite1h: '3',
      reasoning: '12.5',
      audioInput: '2.4',
      audioCachedInput: '0.24',
      perRequest: '0.001',
      perImage: '0.0000001',
      perWebSearch: '0.01',
      perGroundedPrompt: '0',
      perFileSearch: '0',
      tiers: [{ aboveInputTokens: 200_000, input: '4.8', output: '18', cachedInput: '0.48', cacheWrite: '6' }],
      serviceTiers: {},
      adjustments: {},
    });
  });

  it('should bill a 10%-discounted deployment of a model with a >200K tier at the tier price less 10%', () => {
    const list = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1.25, outputCostPerMillion: 10 }));
    const discounted = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1.125, outputCostPerMillion: 9 }));
    expect(discounted.tiers).toEqual([{ aboveInputTokens: 200_000, input: '2.25', output: '13.5', cachedInput: '0.225' }]);
    const long = { inputTokens: 300_000, cacheReadTokens: 100_000, outputTokens: 2_000 };
    // 200,000 × 2.25 + 100,000 × 0.225 + 2,000 × 13.5 = 499,500 per million: the list's 555,000 less 10%.
    expect(computeCost(list, long).usd).toBe('0.555000000000');
    expect(computeCost(discounted, long).usd).toBe('0.499500000000');
    // Below the tier: its own prices, the table's cache price (it sets none).
    expect(computeCost(discounted, { ...long, inputTokens: 150_000 }).usd).toBe('0.086750000000');
  });

  it('should scale a tier exactly, rounding up only past 12 decimals', () => {
    // 1.0 / 1.25 × 2.5 and 7 / 10 × 15; a third of the list: 2.5 / 3 = 0.8333…, rounded up.
    const odd = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1, outputCostPerMillion: 7 }));
    expect(odd.tiers[0]).toMatchObject({ input: '2', output: '10.5', cachedInput: '0.2' });
    const third = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1.25 / 3, outputCostPerMillion: 10 }));
    expect(third.tiers[0]!.input).toMatch(/^0\.83333333333[34]$/);
  });

  it('should scale every price of a tier, 1-hour writes included, and give a model the table lacks no tiers', () => {
    const own = (providerModel: string) => effectivePrice(deployment({ provider: 'anthropic', providerModel, inputCostPerMillion: 2.7, outputCostPerMillion: 13.5 }));
    expect(own('claude-sonnet-4-5').tiers).toEqual([{ aboveInputTokens: 200_000, input: '5.4', output: '20.25', cachedInput: '0.54', cacheWrite: '6.75', cacheWrite1h: '10.8' }]);
    expect(effectivePrice(deployment({ provider: 'openai', providerModel: 'my-fine-tune', inputCostPerMillion: 3, outputCostPerMillion: 12 }))).toMatchObject({ tiers: [], serviceTiers: {}, adjustments: {} });
  });

  it('should keep the table\'s 1-hour write price while the deployment\'s cache-write price is the table\'s', () => {
    const listed = { provider: 'bedrock', providerModel: 'global.anthropic.claude-haiku-4-5-20251001-v1:0', inputCostPerMillion: 1, outputCostPerMillion: 5 } as const;
    expect(effectivePrice(deployment(listed))).toMatchObject({ cacheWrite: '1.25', cacheWrite1h: '2' });
    expect(effectivePrice(deployment({ ...listed, cacheWriteCostPerMillion: 1.25 }))).toMatchObject({ cacheWrite: '1.25', cacheWrite1h: '2' });
    // A discounted deployment that sets no cache prices keeps the table's cache prices, as before.
    expect(effectivePrice(deployment({ ...listed, inputCostPerMillion: 0.9, outputCostPerMillion: 4.5 }))).toMatchObject({ cacheWrite: '1.25', cacheWrite1h: '2' });
  });

  it('should bill 1-hour writes at the cache-write price where the table has no 1-hour price', () => {
    const price = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4.1-mini', inputCostPerMillion: 0.4, outputCostPerMillion: 1.6 }));
    expect(price).toMatchObject({ cacheWrite: '0.4', cacheWrite1h: '0.4' });
  });

  it('should fall back to input for cache prices, output for reasoning and 0 per request when neither deployment nor table knows', () => {
    const price = effectivePrice(deployment({ provider: 'openai_compatible', providerModel: 'qwen3', inputCostPerMillion: 0.075, outputCostPerMillion: 0.3 }));
    expect(price).toEqual({
      input: '0.075',
      output: '0.3',
      cachedInput: '0.075',
      cacheWrite: '0.075',
      cacheWrite1h: '0.075',
      reasoning: '0.3',
      audioInput: '0.075',
      audioCachedInput: '0.075',
      perRequest: '0',
      perImage: '0',
      perWebSearch: '0',
      perGroundedPrompt: '0',
      perFileSearch: '0',
      tiers: [],
      serviceTiers: {},
      adjustments: {},
    });
  });

  it('should keep a price typed as a float exactly as it was written', () => {
    const price = effectivePrice(deployment({ provider: 'mock', providerModel: 'x', inputCostPerMillion: 0.1, outputCostPerMillion: 1e-7 }));
    expect([price.input, price.output]).toEqual(['0.1', '0.0000001']);
  });
});

describe('adjustments by what the usage reports (Anthropic fast mode and US-only inference, OpenAI web_search_preview)', () => {
  const opus55 = deployment({ provider: 'anthropic', providerModel: 'claude-opus-5-5', inputCostPerMillion: 4, outputCostPerMillion: 20 });
  // 5,000 × 4 + 4,000 × 0.2 (cache reads) + 1,000 × 5 (5-minute writes) + 1,000 × 20 = 45,800 per million.
  const usage = { inputTokens: 10_000, cacheReadTokens: 4_000, cacheWriteTokens: 1_000, outputTokens: 1_000 };

  it('should bill fast mode at 2× every token price, cache included, and US-only inference at 1.1×, the two stacked', () => {
    const price = effectivePrice(opus55);
    expect(computeCost(price, usage).usd).toBe('0.045800000000');
    expect(computeCost(price, { ...usage, modifiers: { speed: 'fast' } }).usd).toBe('0.091600000000');
    expect(computeCost(price, { ...usage, modifiers: { inferenceGeo: 'us' } }).usd).toBe('0.050380000000');
    expect(computeCost(price, { ...usage, modifiers: { speed: 'fast', inferenceGeo: 'us' } }).usd).toBe('0.100760000000');
    // What the usage says of a request at the list price changes nothing.
    expect(computeCost(price, { ...usage, modifiers: { speed: 'standard', inferenceGeo: 'global' } }).usd).toBe('0.045800000000');
    // Search fees are not multiplied: + 2 searches × $0.01.
    expect(computeCost(price, { ...usage, webSearches: 2, modifiers: { speed: 'fast' } }).usd).toBe('0.111600000000');
  });

  it('should multiply only the models that have the mode: no fast mode before Opus 4.8, no US-only premium before Claude 4.6', () => {
    const sonnet45 = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5', inputCostPerMillion: 3, outputCostPerMillion: 15 }));
    expect(computeCost(sonnet45, { ...usage, modifiers: { speed: 'fast', inferenceGeo: 'us' } }).usd).toBe(computeCost(sonnet45, usage).usd);
    const sonnet46 = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-6', inputCostPerMillion: 3, outputCostPerMillion: 15 }));
    expect(sonnet46.adjustments).toEqual({ inferenceGeo: { us: { tokens: '1.1' } } });
    expect(effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-opus-4-8', inputCostPerMillion: 5, outputCostPerMillion: 25 })).adjustments).toEqual({
      inferenceGeo: { us: { tokens: '1.1' } },
      speed: { fast: { tokens: '2' } },
    });
  });

  it('should multiply the own prices of a deployment with prices of its own, as it scales tiers', () => {
    const price = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-opus-5-5', inputCostPerMillion: 3.6, outputCostPerMillion: 18 }));
    expect(price.adjustments).toEqual({ inferenceGeo: { us: { tokens: '1.1' } }, speed: { fast: { tokens: '2' } } });
    expect(toUnits(computeCost(price, { ...usage, modifiers: { speed: 'fast' } }).usd, 12)).toBe(2n * toUnits(computeCost(price, usage).usd, 12));
  });

  it('should estimate a request at the prices what it asks for adjusts them to', () => {
    const price = effectivePrice(opus55);
    // 1,000 × 8 (a 1-hour write) + 500 × 20 = 18,000 per million; fast: 1,000 × 16 + 500 × 40 = 36,000.
    expect(estimateCostNanos(price, 1_000, 500)).toBe(18_000_000n);
    expect(estimateCostNanos(price, 1_000, 500, 0, undefined, { speed: 'fast' })).toBe(36_000_000n);
    expect(estimateCostNanos(price, 10_000, 1_000, 0, undefined, { speed: 'fast', inferenceGeo: 'us' })).toBeGreaterThanOrEqual(
      computeCost(price, { inputTokens: 10_000, outputTokens: 1_000, cacheWriteTokens: 10_000, cacheWrite1hTokens: 10_000, modifiers: { speed: 'fast', inferenceGeo: 'us' } }).nanos,
    );
  });

  it("should bill the legacy web_search_preview's calls at $25 per 1,000 on non-reasoning models, $10 on the others", () => {
    const tokens = { inputTokens: 1_000, outputTokens: 100 };
    const gpt4o = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4o-2024-08-06', inputCostPerMillion: 2.5, outputCostPerMillion: 10 }));
    // 1,000 × 2.5 + 100 × 10 = 3,500 per million, + 2 calls.
    expect(computeCost(gpt4o, { ...tokens, webSearches: 2 }).usd).toBe('0.023500000000');
    expect(computeCost(gpt4o, { ...tokens, webSearches: 2, modifiers: { searchTool: 'web_search_preview' } }).usd).toBe('0.053500000000');
    const gpt5 = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-5', inputCostPerMillion: 1.25, outputCostPerMillion: 10 }));
    expect(computeCost(gpt5, { ...tokens, webSearches: 2, modifiers: { searchTool: 'web_search_preview' } }).usd).toBe(computeCost(gpt5, { ...tokens, webSearches: 2 }).usd);
    // The fee applies where search fees do, own prices or not: not on Azure, whose web search is Microsoft's.
    const discounted = effectivePrice(deployment({ provider: 'openai', providerModel: 'gpt-4.1', inputCostPerMillion: 1.8, outputCostPerMillion: 7.2 }));
    expect(discounted.adjustments).toEqual({ searchTool: { web_search_preview: { perWebSearch: '0.025' } } });
    expect(effectivePrice(deployment({ provider: 'azure', providerModel: 'gpt-4o', inputCostPerMillion: 2.5, outputCostPerMillion: 10 })).adjustments).toEqual({});
  });
});

describe('prompt-length tiers and audio input', () => {
  it('should bill Claude Haiku 5.5 above 100,000 input tokens (cache included) at its second prices, the whole request', () => {
    const price = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-haiku-5-5', inputCostPerMillion: 0.1, outputCostPerMillion: 0.5 }));
    // At 100,000: 50,000 × 0.1 + 50,000 × 0.01 + 2,000 × 0.5 = 6,500 per million.
    expect(computeCost(price, { inputTokens: 100_000, cacheReadTokens: 50_000, outputTokens: 2_000 }).usd).toBe('0.006500000000');
    // Above: 100,000 × 0.5 + 50,000 × 0.05 + 2,000 × 2.5 = 57,500 per million; US-only on top: × 1.1.
    const above = { inputTokens: 150_000, cacheReadTokens: 50_000, outputTokens: 2_000 };
    expect(computeCost(price, above).usd).toBe('0.057500000000');
    expect(computeCost(price, { ...above, modifiers: { inferenceGeo: 'us' } }).usd).toBe('0.063250000000');
  });

  it('should bill Gemini Flash audio input, and the cache reads of it, at their own prices', () => {
    const price = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-flash', inputCostPerMillion: 0.3, outputCostPerMillion: 2.5 }));
    expect(price).toMatchObject({ input: '0.3', cachedInput: '0.03', audioInput: '1', audioCachedInput: '0.1' });
    const usage = { inputTokens: 10_000, cacheReadTokens: 4_000, outputTokens: 1_000 };
    // Text alike: 6,000 × 0.3 + 4,000 × 0.03 + 1,000 × 2.5 = 4,420 per million.
    expect(computeCost(price, usage).usd).toBe('0.004420000000');
    // 6,000 audio, 1,000 of them read from the cache: 1,000 × 0.3 + 5,000 × 1 + 3,000 × 0.03 + 1,000 × 0.1 + 1,000 × 2.5.
    expect(computeCost(price, { ...usage, audioInputTokens: 6_000, audioCacheReadTokens: 1_000 }).usd).toBe('0.007990000000');
    // More audio than input reported never bills more input than there was: all 6,000 uncached tokens as audio.
    expect(computeCost(price, { ...usage, audioInputTokens: 50_000 }).usd).toBe('0.008620000000');
    // The Pro models price every modality alike.
    expect(effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-pro', inputCostPerMillion: 1.25, outputCostPerMillion: 10 }))).toMatchObject({ audioInput: '1.25', audioCachedInput: '0.125' });
  });

  it('should estimate Gemini Flash input at the audio price, the dearest it may be', () => {
    const price = effectivePrice(deployment({ provider: 'gemini', providerModel: 'gemini-2.5-flash', inputCostPerMillion: 0.3, outputCostPerMillion: 2.5 }));
    // 1,000 × 1 + 100 × 2.5 = 1,250 per million.
    expect(estimateCostNanos(price, 1_000, 100)).toBe(1_250_000n);
  });
});

describe('Bedrock endpoints (regional and global profiles)', () => {
  const sonnet45 = (providerModel: string, input = 3, output = 15) => effectivePrice(deployment({ provider: 'bedrock', providerModel, inputCostPerMillion: input, outputCostPerMillion: output }));
  const usage = { inputTokens: 12_000, cacheReadTokens: 8_000, cacheWriteTokens: 2_000, outputTokens: 900 };

  it('should bill Claude 4.5 and later 10% above the list prices at a regional endpoint, every token price', () => {
    // Global: 2,000 × 3 + 8,000 × 0.3 + 2,000 × 3.75 + 900 × 15 = 29,400 per million.
    expect(computeCost(sonnet45('global.anthropic.claude-sonnet-4-5-20250929-v1:0'), usage).usd).toBe('0.029400000000');
    // A geographic profile: 2,000 × 3.3 + 8,000 × 0.33 + 2,000 × 4.125 + 900 × 16.5 = 32,340 per million.
    const regional = sonnet45('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(regional).toMatchObject({ input: '3.3', output: '16.5', cachedInput: '0.33', cacheWrite: '4.125', cacheWrite1h: '6.6' });
    expect(computeCost(regional, usage).usd).toBe('0.032340000000');
    // In-region, and by ARN: regional; a global profile's ARN: global.
    expect(computeCost(sonnet45('anthropic.claude-sonnet-4-5-20250929-v1:0'), usage).usd).toBe('0.032340000000');
    expect(computeCost(sonnet45('arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0'), usage).usd).toBe('0.032340000000');
    expect(computeCost(sonnet45('arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0'), usage).usd).toBe('0.029400000000');
  });

  it('should take a deployment priced at the regional list prices for list-priced, and never scale prices of its own', () => {
    expect(sonnet45('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 3.3, 16.5)).toEqual(sonnet45('us.anthropic.claude-sonnet-4-5-20250929-v1:0'));
    const own = sonnet45('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 2.7, 13.5);
    expect(own).toMatchObject({ input: '2.7', output: '13.5', cachedInput: '0.33' });
  });

  it('should leave models before Claude 4.5, and other providers, at their prices whatever the endpoint', () => {
    expect(sonnet45('us.anthropic.claude-3-7-sonnet-20250219-v1:0')).toMatchObject({ input: '3', output: '15', cachedInput: '0.3' });
    expect(effectivePrice(deployment({ provider: 'bedrock', providerModel: 'us.amazon.nova-pro-v1:0', inputCostPerMillion: 0.8, outputCostPerMillion: 3.2 }))).toMatchObject({ input: '0.8', cachedInput: '0.2' });
  });

  it('should estimate at the endpoint\'s prices', () => {
    // 1,000 × 6.6 (a 1-hour write) + 500 × 16.5 = 14,850 per million.
    expect(estimateCostNanos(sonnet45('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 1_000, 500)).toBe(14_850_000n);
  });
});

describe('estimateCostNanos', () => {
  const price = flat({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6', reasoning: '15', perRequest: '0.01' });

  it('should price every input token at the dearest input price and the output budget at the dearest output price', () => {
    // 1,000 × 6 (a 1-hour write) + 500 × 15 = 13,500 per million = 0.0135, + 0.01 per request.
    expect(estimateCostNanos(price, 1_000, 500)).toBe(23_500_000n);
    // Without a 1-hour price, the 5-minute write is the dearest: 1,000 × 3.75 + 500 × 15 = 11,250, + 0.01.
    expect(estimateCostNanos({ ...price, cacheWrite1h: '3.75' }, 1_000, 500)).toBe(21_250_000n);
  });

  it('should never be below the cost of any request within the estimate', () => {
    const next = random(7);
    for (let i = 0; i < 1_000; i++) {
      const input = Math.floor(next() * 5_000);
      const output = Math.floor(next() * 2_000);
      const cacheRead = Math.floor(next() * input);
      const cacheWrite = Math.floor(next() * (input - cacheRead));
      const cacheWrite1h = Math.floor(next() * (cacheWrite + 1));
      const actual = computeCost(price, { inputTokens: input, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, cacheWrite1hTokens: cacheWrite1h, outputTokens: output, reasoningTokens: Math.floor(next() * output) });
      expect(estimateCostNanos(price, input, output)).toBeGreaterThanOrEqual(actual.nanos);
    }
  });
});
