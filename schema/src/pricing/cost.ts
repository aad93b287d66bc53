import type { ModelConfig } from '../config.js';
import { ceilDiv, formatUnits, numberToDecimal, toUnits } from './decimal.js';
import { tablePrice } from './lookup.js';
import type { PriceTier } from './table.js';

/**
 * Every price of one deployment, resolved: USD per million tokens (`perRequest` and `perImage`: USD each), exact
 * decimal strings. Made by `effectivePrice`; consumed by `computeCost` and `estimateCostNanos`.
 */
export interface Price {
  readonly input: string;
  readonly output: string;
  readonly cachedInput: string;
  readonly cacheWrite: string;
  readonly reasoning: string;
  readonly perRequest: string;
  readonly perImage: string;
  /** Prices for requests above an input size (lowest threshold first); empty for a flat price. */
  readonly tiers: readonly PriceTier[];
}

/** Token counts of one request, in the usage event's terms. */
export interface CostUsage {
  /** ALL input tokens, cache reads and writes included. */
  readonly inputTokens: number;
  /** ALL output tokens, reasoning included. */
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
  readonly reasoningTokens?: number;
  /** Input images, for per-image prices. */
  readonly images?: number;
}

export interface Cost {
  /** USD, exact: a decimal string with 12 decimals and no exponent (rounded up only past the 12th decimal). */
  readonly usd: string;
  /** The same in nano-USD, rounded UP: what budget counters add. */
  readonly nanos: bigint;
}

/** Decimals in `Cost.usd`: the usage event's and the spend ledger's precision. */
export const USD_DECIMALS = 12;

/**
 * A deployment's prices: its own where it sets them, else the pricing table's for its upstream model, else these
 * fallbacks:
 *
 * | price                       | fallback                                   |
 * | --------------------------- | ------------------------------------------ |
 * | cached input (cache reads)  | the input price (no cache discount)        |
 * | cache write                 | the input price (no write premium)         |
 * | reasoning                   | the output price (how every provider bills)|
 * | per request, per image      | 0                                          |
 *
 * Input and output prices are required on every deployment, so they are always the deployment's. The table's
 * long-context tiers (Gemini 2.5 Pro, Claude Sonnet 4/4.5 above 200K input tokens) apply only while the
 * deployment's input and output prices are the table's list prices: a deployment with prices of its own (a
 * discount, a reseller) is billed at its own flat prices.
 */
export function effectivePrice(model: ModelConfig): Price {
  const entry = tablePrice(model.provider, model.providerModel);
  const input = numberToDecimal(model.inputCostPerMillion);
  const output = numberToDecimal(model.outputCostPerMillion);
  const own = (n: number | null): string | undefined => (n === null ? undefined : numberToDecimal(n));
  const listPriced = entry !== undefined && sameAmount(input, entry.input) && sameAmount(output, entry.output);
  return {
    input,
    output,
    cachedInput: own(model.cachedInputCostPerMillion) ?? entry?.cachedInput ?? input,
    cacheWrite: own(model.cacheWriteCostPerMillion) ?? entry?.cacheWrite ?? input,
    reasoning: own(model.reasoningCostPerMillion) ?? entry?.reasoning ?? output,
    perRequest: own(model.costPerRequest) ?? entry?.perRequest ?? '0',
    perImage: own(model.costPerImage) ?? entry?.perImage ?? '0',
    tiers: listPriced ? (entry.tiers ?? []) : [],
  };
}

/**
 * The exact cost of one request:
 *
 *   (input − cacheRead − cacheWrite) × input + cacheRead × cachedInput + cacheWrite × cacheWrite
 *   + (output − reasoning) × output + reasoning × reasoning + perRequest + images × perImage
 *
 * at the tier the request's input tokens fall in. Computed in integers of 10^-18 USD, so it is exact for any price
 * with up to 12 decimals per million tokens (published prices have at most 6, which makes `usd` exact too).
 * Counts a provider reported inconsistently (more cache reads than input) never bill a negative remainder.
 */
export function computeCost(price: Price, usage: CostUsage): Cost {
  const rates = ratesFor(compile(price), usage.inputTokens);
  const cacheRead = count(usage.cacheReadTokens);
  const cacheWrite = count(usage.cacheWriteTokens);
  const reasoning = count(usage.reasoningTokens);
  const uncached = nonNegative(count(usage.inputTokens) - cacheRead - cacheWrite);
  const answer = nonNegative(count(usage.outputTokens) - reasoning);
  const atto =
    uncached * rates.input +
    cacheRead * rates.cachedInput +
    cacheWrite * rates.cacheWrite +
    answer * rates.output +
    reasoning * rates.reasoning +
    rates.perRequest +
    count(usage.images) * rates.perImage;
  return { usd: formatUnits(atto, ATTO_DECIMALS, USD_DECIMALS), nanos: ceilDiv(atto, ATTO_PER_NANO) };
}

/**
 * An upper estimate of a request's cost before it runs, for budget reservations, in nano-USD (rounded up): every
 * input token at the dearest input price (a cache write can cost more than plain input), `maxOutputTokens` at the
 * dearer of output and reasoning, plus the per-request and per-image prices, at the tier `inputTokens` falls in.
 */
export function estimateCostNanos(price: Price, inputTokens: number, maxOutputTokens: number, images = 0): bigint {
  const rates = ratesFor(compile(price), inputTokens);
  const inputRate = max(rates.input, max(rates.cachedInput, rates.cacheWrite));
  const outputRate = max(rates.output, rates.reasoning);
  const atto = count(inputTokens) * inputRate + count(maxOutputTokens) * outputRate + rates.perRequest + count(images) * rates.perImage;
  return ceilDiv(atto, ATTO_PER_NANO);
}

/** Costs are integers of 10^-18 USD; a price per million tokens with 12 decimals is an integer per token. */
const ATTO_DECIMALS = 18;
const PER_TOKEN_DECIMALS = ATTO_DECIMALS - 6;
const ATTO_PER_NANO = 10n ** 9n;

/** Prices as integers: 10^-18 USD per token (per request, per image). */
interface Rates {
  readonly input: bigint;
  readonly output: bigint;
  readonly cachedInput: bigint;
  readonly cacheWrite: bigint;
  readonly reasoning: bigint;
  readonly perRequest: bigint;
  readonly perImage: bigint;
}

interface Compiled {
  readonly base: Rates;
  /** Highest threshold first. */
  readonly tiers: ReadonlyArray<{ readonly above: number; readonly rates: Rates }>;
}

/** Prices are parsed once per `Price` object (a deployment's is made once per config snapshot). */
const compiled = new WeakMap<Price, Compiled>();

function compile(price: Price): Compiled {
  let c = compiled.get(price);
  if (c === undefined) {
    const base = baseRates(price);
    c = {
      base,
      tiers: [...price.tiers].sort((a, b) => b.aboveInputTokens - a.aboveInputTokens).map((t) => ({ above: t.aboveInputTokens, rates: tierRates(t, base) })),
    };
    compiled.set(price, c);
  }
  return c;
}

function baseRates(p: Price): Rates {
  return {
    input: toUnits(p.input, PER_TOKEN_DECIMALS),
    output: toUnits(p.output, PER_TOKEN_DECIMALS),
    cachedInput: toUnits(p.cachedInput, PER_TOKEN_DECIMALS),
    cacheWrite: toUnits(p.cacheWrite, PER_TOKEN_DECIMALS),
    reasoning: toUnits(p.reasoning, PER_TOKEN_DECIMALS),
    perRequest: toUnits(p.perRequest, ATTO_DECIMALS),
    perImage: toUnits(p.perImage, ATTO_DECIMALS),
  };
}

/** A tier's prices, with the same fallbacks within the tier (cache prices → its input, reasoning → its output). */
function tierRates(tier: PriceTier, base: Rates): Rates {
  const input = toUnits(tier.input, PER_TOKEN_DECIMALS);
  const output = toUnits(tier.output, PER_TOKEN_DECIMALS);
  const opt = (v: string | undefined, fallback: bigint) => (v === undefined ? fallback : toUnits(v, PER_TOKEN_DECIMALS));
  return {
    input,
    output,
    cachedInput: opt(tier.cachedInput, input),
    cacheWrite: opt(tier.cacheWrite, input),
    reasoning: opt(tier.reasoning, output),
    perRequest: base.perRequest,
    perImage: base.perImage,
  };
}

function ratesFor(c: Compiled, inputTokens: number): Rates {
  for (const tier of c.tiers) if (inputTokens > tier.above) return tier.rates;
  return c.base;
}

function sameAmount(a: string, b: string): boolean {
  return toUnits(a, PER_TOKEN_DECIMALS) === toUnits(b, PER_TOKEN_DECIMALS);
}

function count(n: number | undefined): bigint {
  return n !== undefined && n > 0 ? BigInt(Math.floor(n)) : 0n;
}

function nonNegative(n: bigint): bigint {
  return n < 0n ? 0n : n;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
