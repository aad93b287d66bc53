import type { ModelConfig } from '../config.js';
import { ceilDiv, formatUnits, numberToDecimal, toUnits } from './decimal.js';
import { tablePrice } from './lookup.js';
import type { PriceTier, ServiceTier, TokenPrices } from './table.js';

/**
 * Every price of one deployment, resolved: USD per million tokens (`perRequest` and `perImage`: USD each), exact
 * decimal strings. Made by `effectivePrice`; consumed by `computeCost` and `estimateCostNanos`.
 */
export interface Price {
  readonly input: string;
  readonly output: string;
  readonly cachedInput: string;
  readonly cacheWrite: string;
  /** Cache writes with a 1-hour lifetime (Claude's `ttl: "1h"`). */
  readonly cacheWrite1h: string;
  readonly reasoning: string;
  readonly perRequest: string;
  readonly perImage: string;
  /**
   * USD per web search a provider's server-side search tool makes (Anthropic's `web_search` and OpenAI's: $10 per
   * 1,000; Gemini 3's grounding with Google Search: $14 per 1,000 queries).
   */
  readonly perWebSearch: string;
  /** USD per request whose server-side search searched at all, however often (Gemini 2.5's grounding: $35 per 1,000). */
  readonly perGroundedPrompt: string;
  /** Prices for requests above an input size (lowest threshold first); empty for a flat price. */
  readonly tiers: readonly PriceTier[];
  /** Prices of a request the provider served at another processing tier (OpenAI's flex, priority); empty: none. */
  readonly serviceTiers: Readonly<Partial<Record<ServiceTier, TokenPrices>>>;
}

/** Token counts of one request, in the usage event's terms. */
export interface CostUsage {
  /** ALL input tokens, cache reads and writes included. */
  readonly inputTokens: number;
  /** ALL output tokens, reasoning included. */
  readonly outputTokens: number;
  readonly cacheReadTokens?: number;
  readonly cacheWriteTokens?: number;
  /** The part of `cacheWriteTokens` written with a 1-hour lifetime (Anthropic, Bedrock); the rest are 5-minute writes. */
  readonly cacheWrite1hTokens?: number;
  readonly reasoningTokens?: number;
  /** Input images, for per-image prices. */
  readonly images?: number;
  /** Searches a provider's server-side web search tool made, for the per-search (and per-grounded-prompt) price. */
  readonly webSearches?: number;
  /**
   * The processing tier the provider says it served the request at (OpenAI's `service_tier`: `default`, `flex`,
   * `priority`, `scale`). A tier the price has no prices for (`default`, `scale`, unknown ones) is billed at the
   * standard prices.
   */
  readonly serviceTier?: string;
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
 * | 1-hour cache write          | the cache-write price                      |
 * | reasoning                   | the output price (how every provider bills)|
 * | per request, per image      | 0                                          |
 * | per search, grounded prompt | 0 (set by the table only, see below)       |
 *
 * Input and output prices are required on every deployment, so they are always the deployment's. The table's
 * long-context tiers (Gemini 2.5 Pro, Claude Sonnet 4/4.5 above 200K input tokens) and its service-tier prices
 * (OpenAI's flex and priority) apply only while the deployment's input and output prices are the table's list prices:
 * a deployment with prices of its own (a discount, a reseller) is billed at its own flat prices. Likewise the table's 1-hour cache-write price applies only
 * while the deployment's cache-write price is the table's (unset, or set to the same amount): a deployment cannot
 * price the two writes apart, so its own cache-write price is the price of every cache write.
 *
 * Search fees are the table's, and only for a deployment of the entry's own provider: an Azure deployment bills
 * OpenAI's token prices, but its web search runs on Microsoft's Grounding with Bing, priced by Microsoft.
 */
export function effectivePrice(model: ModelConfig): Price {
  const entry = tablePrice(model.provider, model.providerModel);
  const input = numberToDecimal(model.inputCostPerMillion);
  const output = numberToDecimal(model.outputCostPerMillion);
  const own = (n: number | null): string | undefined => (n === null ? undefined : numberToDecimal(n));
  const listPriced = entry !== undefined && sameAmount(input, entry.input) && sameAmount(output, entry.output);
  const cacheWrite = own(model.cacheWriteCostPerMillion) ?? entry?.cacheWrite ?? input;
  const listWrite = entry?.cacheWrite !== undefined && sameAmount(cacheWrite, entry.cacheWrite);
  const fees = entry?.provider === model.provider ? entry : undefined;
  return {
    input,
    output,
    cachedInput: own(model.cachedInputCostPerMillion) ?? entry?.cachedInput ?? input,
    cacheWrite,
    cacheWrite1h: (listWrite ? entry.cacheWrite1h : undefined) ?? cacheWrite,
    reasoning: own(model.reasoningCostPerMillion) ?? entry?.reasoning ?? output,
    perRequest: own(model.costPerRequest) ?? entry?.perRequest ?? '0',
    perImage: own(model.costPerImage) ?? entry?.perImage ?? '0',
    perWebSearch: fees?.perWebSearch ?? '0',
    perGroundedPrompt: fees?.perGroundedPrompt ?? '0',
    tiers: listPriced ? (entry.tiers ?? []) : [],
    serviceTiers: listPriced ? (entry.serviceTiers ?? {}) : {},
  };
}

/**
 * The exact cost of one request:
 *
 *   (input − cacheRead − cacheWrite) × input + cacheRead × cachedInput
 *   + (cacheWrite − cacheWrite1h) × cacheWrite + cacheWrite1h × cacheWrite1h
 *   + (output − reasoning) × output + reasoning × reasoning + perRequest + images × perImage
 *   + webSearches × perWebSearch + perGroundedPrompt (when webSearches > 0)
 *
 * at the tier the request's input tokens fall in, or at the prices of the processing tier the provider served it at
 * (OpenAI's priority and flex: long-context tiers aside, which those prices exclude). Computed in integers of 10^-18 USD, so it is exact for any price
 * with up to 12 decimals per million tokens (published prices have at most 6, which makes `usd` exact too).
 * Counts a provider reported inconsistently (more cache reads than input, more 1-hour writes than writes) never bill
 * a negative remainder.
 */
export function computeCost(price: Price, usage: CostUsage): Cost {
  const rates = ratesFor(compile(price), usage.inputTokens, usage.serviceTier);
  const cacheRead = count(usage.cacheReadTokens);
  const cacheWrite = count(usage.cacheWriteTokens);
  const cacheWrite1h = min(count(usage.cacheWrite1hTokens), cacheWrite);
  const reasoning = count(usage.reasoningTokens);
  const uncached = nonNegative(count(usage.inputTokens) - cacheRead - cacheWrite);
  const answer = nonNegative(count(usage.outputTokens) - reasoning);
  const searches = count(usage.webSearches);
  const atto =
    uncached * rates.input +
    cacheRead * rates.cachedInput +
    (cacheWrite - cacheWrite1h) * rates.cacheWrite +
    cacheWrite1h * rates.cacheWrite1h +
    answer * rates.output +
    reasoning * rates.reasoning +
    rates.perRequest +
    count(usage.images) * rates.perImage +
    searches * rates.perWebSearch +
    (searches > 0n ? rates.perGroundedPrompt : 0n);
  return { usd: formatUnits(atto, ATTO_DECIMALS, USD_DECIMALS), nanos: ceilDiv(atto, ATTO_PER_NANO) };
}

/**
 * An upper estimate of a request's cost before it runs, for budget reservations, in nano-USD (rounded up): every
 * input token at the dearest input price (a cache write, a 1-hour one most, can cost more than plain input),
 * `maxOutputTokens` at the dearer of output and reasoning, plus the per-request and per-image prices, at the tier
 * `inputTokens` falls in. `serviceTier` is the processing tier the request asks for (OpenAI's `service_tier`): the
 * estimate is then at the dearer of that tier's prices and the standard ones (a provider may serve another tier).
 * A request that names none is estimated at the standard prices, though a provider may still serve it at priority
 * (an OpenAI project whose default is priority): the gateway cannot know that before the answer.
 */
export function estimateCostNanos(price: Price, inputTokens: number, maxOutputTokens: number, images = 0, serviceTier?: string): bigint {
  const compiled = compile(price);
  const standard = ratesFor(compiled, inputTokens);
  const asked = ratesFor(compiled, inputTokens, serviceTier);
  const rates: Rates = asked === standard ? standard : dearest(standard, asked);
  const inputRate = max(max(rates.input, rates.cachedInput), max(rates.cacheWrite, rates.cacheWrite1h));
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
  readonly cacheWrite1h: bigint;
  readonly reasoning: bigint;
  readonly perRequest: bigint;
  readonly perImage: bigint;
  readonly perWebSearch: bigint;
  readonly perGroundedPrompt: bigint;
}

interface Compiled {
  readonly base: Rates;
  /** Highest threshold first. */
  readonly tiers: ReadonlyArray<{ readonly above: number; readonly rates: Rates }>;
  readonly serviceTiers: ReadonlyMap<string, Rates>;
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
      serviceTiers: new Map(Object.entries(price.serviceTiers).flatMap(([tier, prices]) => (prices === undefined ? [] : [[tier, tierRates(prices, base)]]))),
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
    cacheWrite1h: toUnits(p.cacheWrite1h, PER_TOKEN_DECIMALS),
    reasoning: toUnits(p.reasoning, PER_TOKEN_DECIMALS),
    perRequest: toUnits(p.perRequest, ATTO_DECIMALS),
    perImage: toUnits(p.perImage, ATTO_DECIMALS),
    perWebSearch: toUnits(p.perWebSearch, ATTO_DECIMALS),
    perGroundedPrompt: toUnits(p.perGroundedPrompt, ATTO_DECIMALS),
  };
}

/**
 * A tier's prices (an input-size tier's, a service tier's), with the same fallbacks within the tier (cache prices →
 * its input, its 1-hour write → its cache write, reasoning → its output).
 */
function tierRates(tier: TokenPrices, base: Rates): Rates {
  const input = toUnits(tier.input, PER_TOKEN_DECIMALS);
  const output = toUnits(tier.output, PER_TOKEN_DECIMALS);
  const opt = (v: string | undefined, fallback: bigint) => (v === undefined ? fallback : toUnits(v, PER_TOKEN_DECIMALS));
  const cacheWrite = opt(tier.cacheWrite, input);
  return {
    input,
    output,
    cachedInput: opt(tier.cachedInput, input),
    cacheWrite,
    cacheWrite1h: opt(tier.cacheWrite1h, cacheWrite),
    reasoning: opt(tier.reasoning, output),
    perRequest: base.perRequest,
    perImage: base.perImage,
    perWebSearch: base.perWebSearch,
    perGroundedPrompt: base.perGroundedPrompt,
  };
}

function ratesFor(c: Compiled, inputTokens: number, serviceTier?: string): Rates {
  const served = serviceTier === undefined ? undefined : c.serviceTiers.get(serviceTier);
  if (served !== undefined) return served;
  for (const tier of c.tiers) if (inputTokens > tier.above) return tier.rates;
  return c.base;
}

/** Each price at the dearer of two sets. */
function dearest(a: Rates, b: Rates): Rates {
  return {
    input: max(a.input, b.input),
    output: max(a.output, b.output),
    cachedInput: max(a.cachedInput, b.cachedInput),
    cacheWrite: max(a.cacheWrite, b.cacheWrite),
    cacheWrite1h: max(a.cacheWrite1h, b.cacheWrite1h),
    reasoning: max(a.reasoning, b.reasoning),
    perRequest: max(a.perRequest, b.perRequest),
    perImage: max(a.perImage, b.perImage),
    perWebSearch: max(a.perWebSearch, b.perWebSearch),
    perGroundedPrompt: max(a.perGroundedPrompt, b.perGroundedPrompt),
  };
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

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
