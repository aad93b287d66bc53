import { describe, expect, it } from 'vitest';
import { ModelConfig } from '../config.js';
import { computeCost, effectivePrice, estimateCostNanos, type Price } from './cost.js';
import { toUnits } from './decimal.js';

const flat = (over: Partial<Price> = {}): Price => ({
  input: '1',
  output: '2',
  cachedInput: '1',
  cacheWrite: '1',
  reasoning: '2',
  perRequest: '0',
  perImage: '0',
  tiers: [],
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
});

describe('effectivePrice', () => {
  it('should take the table\'s cache prices for a deployment that sets none', () => {
    const price = effectivePrice(deployment({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5-20250929', inputCostPerMillion: 3, outputCostPerMillion: 15 }));
    expect(price).toEqual({
      input: '3',
      output: '15',
      cachedInput: '0.3',
      cacheWrite: '3.75',
      reasoning: '15',
      perRequest: '0',
      perImage: '0',
      tiers: [{ aboveInputTokens: 200_000, input: '6', output: '22.5', cachedInput: '0.6', cacheWrite: '7.5' }],
    });
  });

  it('should let the deployment\'s own prices win over the table, and drop the table\'s tiers when its base prices differ', () => {
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
    expect(price).toEqual({ input: '2.4', output: '12', cachedInput: '0.24', cacheWrite: '3', reasoning: '12.5', perRequest: '0.001', perImage: '0.0000001', tiers: [] });
  });

  it('should fall back to input for cache prices, output for reasoning and 0 per request when neither deployment nor table knows', () => {
    const price = effectivePrice(deployment({ provider: 'openai_compatible', providerModel: 'qwen3', inputCostPerMillion: 0.075, outputCostPerMillion: 0.3 }));
    expect(price).toEqual({ input: '0.075', output: '0.3', cachedInput: '0.075', cacheWrite: '0.075', reasoning: '0.3', perRequest: '0', perImage: '0', tiers: [] });
  });

  it('should keep a price typed as a float exactly as it was written', () => {
    const price = effectivePrice(deployment({ provider: 'mock', providerModel: 'x', inputCostPerMillion: 0.1, outputCostPerMillion: 1e-7 }));
    expect([price.input, price.output]).toEqual(['0.1', '0.0000001']);
  });
});

describe('estimateCostNanos', () => {
  const price = flat({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', reasoning: '15', perRequest: '0.01' });

  it('should price every input token at the dearest input price and the output budget at the dearest output price', () => {
    // 1,000 × 3.75 + 500 × 15 = 11,250 per million = 0.01125, + 0.01 per request.
    expect(estimateCostNanos(price, 1_000, 500)).toBe(21_250_000n);
  });

  it('should never be below the cost of any request within the estimate', () => {
    const next = random(7);
    for (let i = 0; i < 1_000; i++) {
      const input = Math.floor(next() * 5_000);
      const output = Math.floor(next() * 2_000);
      const cacheRead = Math.floor(next() * input);
      const cacheWrite = Math.floor(next() * (input - cacheRead));
      const actual = computeCost(price, { inputTokens: input, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, outputTokens: output, reasoningTokens: Math.floor(next() * output) });
      expect(estimateCostNanos(price, input, output)).toBeGreaterThanOrEqual(actual.nanos);
    }
  });
});
