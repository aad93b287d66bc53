import type { ModelConfig } from '../config.js';
import { ceilDiv, formatUnits, multiplyDecimal, numberToDecimal, toUnits } from './decimal.js';
import { deploymentModifiers, tablePrice } from './lookup.js';
import {
  DEPLOYMENT_MODIFIERS,
  type PriceAdjustment,
  type PriceAdjustments,
  type PriceTier,
  type ServiceTier,
  type TableEntry,
  type TokenPrices,
  type UsageModifier,
  type UsageModifiers,
} from './table.js';

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
  /** Audio input, where priced apart from other input (Gemini Flash); else the input price. */
  readonly audioInput: string;
  /** Audio input read from a cache, where priced apart; else the cached-input price. */
  readonly audioCachedInput: string;
  readonly perRequest: string;
  readonly perImage: string;
  /**
   * USD per web search a provider's server-side search tool makes (Anthropic's `web_search` and OpenAI's: $10 per
   * 1,000; Gemini 3's grounding with Google Search: $14 per 1,000 queries).
   */
  readonly perWebSearch: string;
  /** USD per request whose server-side search searched at all, however often (Gemini 2.5's grounding: $35 per 1,000). */
  readonly perGroundedPrompt: string;
  /** USD per call of a provider's hosted file search tool (OpenAI's Responses API: $2.50 per 1,000). */
  readonly perFileSearch: string;
  /** Prices for requests above an input size (lowest threshold first); empty for a flat price. */
  readonly tiers: readonly PriceTier[];
  /** Prices of a request the provider served at another processing tier (OpenAI's flex, priority); empty: none. */
  readonly serviceTiers: Readonly<Partial<Record<ServiceTier, TokenPrices>>>;
  /**
   * How what a request's usage reports changes its price (Anthropic's fast mode and US-only inference: token prices
   * multiplied; OpenAI's `web_search_preview` calls: another per-search fee); empty: nothing does.
   */
  readonly adjustments: PriceAdjustments<UsageModifier>;
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
  /** The part of `inputTokens` that was audio, cache reads of it included (Gemini's `promptTokensDetails`). */
  readonly audioInputTokens?: number;
  /** The part of `cacheReadTokens` (and of `audioInputTokens`) that was audio (Gemini's `cacheTokensDetails`). */
  readonly audioCacheReadTokens?: number;
  /** Searches a provider's server-side web search tool made, for the per-search (and per-grounded-prompt) price. */
  readonly webSearches?: number;
  /** Calls of a provider's hosted file search tool (OpenAI's `file_search_call` items), for the per-call price. */
  readonly fileSearches?: number;
  /**
   * The processing tier the provider says it served the request at (OpenAI's `service_tier`: `default`, `flex`,
   * `priority`, `scale`). A tier the price has no prices for (`default`, `scale`, unknown ones) is billed at the
   * standard prices.
   */
  readonly serviceTier?: string;
  /**
   * What the provider reported that changes the price (`UsageModifier`: Anthropic's `speed` and `inference_geo`, the
   * OpenAI search tool that searched), applied as the price's `adjustments` say; a value they do not name changes nothing.
   */
  readonly modifiers?: UsageModifiers;
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
 * | audio input, cached audio   | the input and cached-input prices          |
 * | per request, per image      | 0                                          |
 * | per search, grounded prompt | 0 (set by the table only, see below)       |
 *
 * Input and output prices are required on every deployment, so they are always the deployment's. The table's
 * long-context tiers (Gemini 2.5 Pro, Claude Sonnet 4/4.5 above 200K input tokens, Haiku 5.5 above 100K, OpenAI's GPT-5.4
 * and later above 272K), its service-tier prices (OpenAI's flex and priority) and its multipliers of token prices
 * (Anthropic's fast mode and US-only inference) apply to every deployment of a model the table knows, as ratios of the
 * table's base prices: a deployment with prices of its own (a negotiated discount, a reseller, a price the table has
 * stale) keeps the entry's structure, each tier's and service tier's price scaled by its own price over the table's
 * base price (`scaledTiers`), field by field: input and audio input by the input ratio, output by the output ratio
 * (reasoning by its own reasoning ratio where it sets one), cache reads by its own cache-read ratio where it sets a
 * cache-read price, cache writes likewise by its cache-write ratio, else both by the input ratio. A deployment 10%
 * below the list price is billed 10% below the long-context, flex and priority prices too; one at the list price, at
 * exactly the table's. Multipliers (fast mode, US-only) multiply its own prices. Likewise the table's 1-hour
 * cache-write price applies only while the deployment's cache-write price is the table's (unset, or set to the same
 * amount): a deployment cannot price the two writes apart, so its own cache-write price is the price of every cache
 * write, in a tier too. A deployment whose upstream id has no table entry is billed flat at its own prices.
 *
 * The table's prices are those of the deployment's endpoint: on a Bedrock regional endpoint (an in-region model id, a
 * geographic profile: `deploymentModifiers`) every token price of a Claude 4.5 or later entry is 1.1× its global
 * one. A deployment whose input and output prices are either (the global list prices, or the regional ones) is
 * list-priced, and billed at the regional prices; the table's cache prices it takes are the regional ones. Its own
 * prices, where it sets them, are never scaled; its tiers are scaled against the endpoint's list prices, so the
 * regional premium cancels out of the ratio.
 *
 * Search fees are the table's, and only for a deployment of the entry's own provider: an Azure deployment bills
 * OpenAI's token prices, but its web search runs on Microsoft's Grounding with Bing, priced by Microsoft.
 */
export function effectivePrice(model: ModelConfig): Price {
  const entry = tablePrice(model.provider, model.providerModel);
  const listed = entry === undefined ? undefined : atEndpoint(entry, deploymentFactor(entry, deploymentModifiers(model.provider, model.providerModel)));
  const ownInput = numberToDecimal(model.inputCostPerMillion);
  const ownOutput = numberToDecimal(model.outputCostPerMillion);
  const own = (n: number | null): string | undefined => (n === null ? undefined : numberToDecimal(n));
  const listPriced =
    entry !== undefined &&
    listed !== undefined &&
    ((sameAmount(ownInput, listed.input) && sameAmount(ownOutput, listed.output)) || (sameAmount(ownInput, entry.input) && sameAmount(ownOutput, entry.output)));
  const input = listPriced ? listed.input : ownInput;
  const output = listPriced ? listed.output : ownOutput;
  const cacheWrite = own(model.cacheWriteCostPerMillion) ?? listed?.cacheWrite ?? input;
  const listWrite = listed?.cacheWrite !== undefined && sameAmount(cacheWrite, listed.cacheWrite);
  const cachedInput = own(model.cachedInputCostPerMillion) ?? listed?.cachedInput ?? input;
  const fees = entry?.provider === model.provider;
  return {
    input,
    output,
    cachedInput,
    cacheWrite,
    cacheWrite1h: (listWrite ? listed.cacheWrite1h : undefined) ?? cacheWrite,
    reasoning: own(model.reasoningCostPerMillion) ?? listed?.reasoning ?? output,
    audioInput: listed?.audioInput ?? input,
    audioCachedInput: listed?.audioCachedInput ?? cachedInput,
    perRequest: own(model.costPerRequest) ?? entry?.perRequest ?? '0',
    perImage: own(model.costPerImage) ?? entry?.perImage ?? '0',
    perWebSearch: (fees ? entry.perWebSearch : undefined) ?? '0',
    perGroundedPrompt: (fees ? entry.perGroundedPrompt : undefined) ?? '0',
    perFileSearch: (fees ? entry.perFileSearch : undefined) ?? '0',
    ...scaledTiers(listed, {
      input,
      output,
      cachedInput: own(model.cachedInputCostPerMillion),
      cacheWrite: own(model.cacheWriteCostPerMillion),
      reasoning: own(model.reasoningCostPerMillion),
      listWrite,
    }),
    adjustments: entry === undefined ? {} : usageAdjustments(entry.adjustments, fees),
  };
}

/** A ratio of two prices, exact: `num / den` (both in 10^-12 USD per million tokens). */
interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

/** What a deployment prices itself at, against which the table's tiers are scaled (`scaledTiers`). */
interface OwnPrices {
  /** The deployment's input and output prices (the table's, at its endpoint, when it is list-priced). */
  readonly input: string;
  readonly output: string;
  /** The prices it sets itself, if any. */
  readonly cachedInput: string | undefined;
  readonly cacheWrite: string | undefined;
  readonly reasoning: string | undefined;
  /** Whether its cache-write price is the table's (unset or equal): only then is the table's 1-hour write price kept. */
  readonly listWrite: boolean;
}

/**
 * The table's input-size tiers and service tiers, at the deployment's own prices: each price scaled by the deployment's
 * price over the table's base price of its kind (input and audio input by the input ratio; output by the output ratio;
 * reasoning by the deployment's own reasoning ratio where it sets one, else the output ratio; cache reads, audio ones
 * included, by its own cache-read ratio where it sets one, else the input ratio; cache writes likewise by its
 * cache-write ratio). The table's base price of a kind it does not list is its fallback (cache prices: the input price;
 * reasoning: the output price). At the list price every ratio is 1 and the tiers are the table's, unchanged. A
 * deployment with a cache-write price of its own bills every write in a tier at the tier's (scaled) cache-write price,
 * as it does below the tier. Exact: a scaled price is rounded up only past 12 decimals (10^-18 USD per token, the
 * unit costs are computed in). No entry: no tiers.
 */
function scaledTiers(listed: TableEntry | undefined, own: OwnPrices): Pick<Price, 'tiers' | 'serviceTiers'> {
  if (listed === undefined) return { tiers: [], serviceTiers: {} };
  const ratio = (ownPrice: string, base: string): Ratio => {
    const den = toUnits(base, PER_TOKEN_DECIMALS);
    const num = toUnits(ownPrice, PER_TOKEN_DECIMALS);
    return den === 0n ? { num: 1n, den: 1n } : { num, den };
  };
  const input = ratio(own.input, listed.input);
  const output = ratio(own.output, listed.output);
  const cached = own.cachedInput === undefined ? input : ratio(own.cachedInput, listed.cachedInput ?? listed.input);
  const write = own.cacheWrite === undefined ? input : ratio(own.cacheWrite, listed.cacheWrite ?? listed.input);
  const reasoning = own.reasoning === undefined ? output : ratio(own.reasoning, listed.reasoning ?? listed.output);
  const times = (price: string | undefined, r: Ratio): string | undefined => {
    if (price === undefined || r.num === r.den) return price;
    return formatUnits(ceilDiv(toUnits(price, PER_TOKEN_DECIMALS) * r.num, r.den), PER_TOKEN_DECIMALS, PER_TOKEN_DECIMALS).replace(/\.?0+$/, '');
  };
  const scale = <T extends TokenPrices>(tier: T): T => {
    const out: Record<string, unknown> = { ...(tier as object) };
    const set = (key: keyof TokenPrices, value: string | undefined) => {
      if (value === undefined) delete out[key];
      else out[key] = value;
    };
    set('input', times(tier.input, input));
    set('output', times(tier.output, output));
    set('audioInput', times(tier.audioInput, input));
    set('reasoning', times(tier.reasoning, reasoning));
    // A cache price the deployment sets applies to its tiers too: a tier without one falls back to the tier's input.
    set('cachedInput', times(own.cachedInput === undefined ? tier.cachedInput : (tier.cachedInput ?? tier.input), cached));
    set('audioCachedInput', times(tier.audioCachedInput, cached));
    set('cacheWrite', times(own.cacheWrite === undefined ? tier.cacheWrite : (tier.cacheWrite ?? tier.input), write));
    set('cacheWrite1h', own.listWrite ? times(tier.cacheWrite1h, write) : undefined);
    return out as T;
  };
  return {
    tiers: (listed.tiers ?? []).map(scale),
    serviceTiers: Object.fromEntries(Object.entries(listed.serviceTiers ?? {}).flatMap(([tier, prices]) => (prices === undefined ? [] : [[tier, scale(prices)]]))),
  };
}

/** The product of the token multipliers the table gives for what the deployment's id says (Bedrock's endpoint), or 1. */
function deploymentFactor(entry: TableEntry, modifiers: Readonly<Record<string, string | undefined>>): string {
  let factor = '1';
  for (const modifier of DEPLOYMENT_MODIFIERS) {
    const value = modifiers[modifier];
    const tokens = value === undefined ? undefined : entry.adjustments?.[modifier]?.[value]?.tokens;
    if (tokens !== undefined) factor = multiplyDecimal(factor, tokens);
  }
  return factor;
}

/** An entry's token prices (its tiers' and service tiers' too) times `factor`: its prices at the deployment's endpoint. */
function atEndpoint(entry: TableEntry, factor: string): TableEntry {
  if (sameAmount(factor, '1')) return entry;
  const scale = <T extends TokenPrices>(prices: T): T => {
    const out: Record<string, unknown> = { ...(prices as object) };
    for (const key of TOKEN_PRICE_KEYS) {
      const price = prices[key];
      if (price !== undefined) out[key] = multiplyDecimal(price, factor);
    }
    return out as T;
  };
  return {
    ...scale(entry),
    ...(entry.tiers !== undefined && { tiers: entry.tiers.map(scale) }),
    ...(entry.serviceTiers !== undefined && {
      serviceTiers: Object.fromEntries(Object.entries(entry.serviceTiers).map(([tier, prices]) => [tier, prices === undefined ? prices : scale(prices)])),
    }),
  };
}

const TOKEN_PRICE_KEYS = ['input', 'output', 'cachedInput', 'cacheWrite', 'cacheWrite1h', 'reasoning', 'audioInput', 'audioCachedInput'] as const satisfies readonly (keyof TokenPrices)[];

/**
 * The table's adjustments by what the usage reports, as far as they apply to this deployment: token multipliers always
 * (they multiply the deployment's own prices as they do the list prices), search fees for the entry's own provider's
 * deployments (like the fees themselves).
 */
function usageAdjustments(adjustments: PriceAdjustments | undefined, fees: boolean): PriceAdjustments<UsageModifier> {
  const out: Record<string, Record<string, PriceAdjustment>> = {};
  for (const [modifier, byValue] of Object.entries(adjustments ?? {})) {
    if ((DEPLOYMENT_MODIFIERS as readonly string[]).includes(modifier) || byValue === undefined) continue;
    for (const [value, adjustment] of Object.entries(byValue)) {
      const kept: PriceAdjustment = {
        ...(adjustment.tokens !== undefined && { tokens: adjustment.tokens }),
        ...(fees && adjustment.perWebSearch !== undefined && { perWebSearch: adjustment.perWebSearch }),
      };
      if (Object.keys(kept).length > 0) (out[modifier] ??= {})[value] = kept;
    }
  }
  return out;
}

/**
 * The exact cost of one request:
 *
 *   (input − cacheRead − cacheWrite − uncached audio) × input + uncached audio × audioInput
 *   + (cacheRead − cached audio) × cachedInput + cached audio × audioCachedInput
 *   + (cacheWrite − cacheWrite1h) × cacheWrite + cacheWrite1h × cacheWrite1h
 *   + (output − reasoning) × output + reasoning × reasoning + perRequest + images × perImage
 *   + webSearches × perWebSearch + perGroundedPrompt (when webSearches > 0) + fileSearches × perFileSearch
 *
 * at the tier the request's input tokens fall in, or at the prices of the processing tier the provider served it at
 * (OpenAI's priority and flex: long-context tiers aside, which those prices exclude), every token price then multiplied
 * by what the usage reports (`modifiers`: Anthropic's fast mode, US-only inference; they stack), the per-search fee the
 * one of the search tool that searched. Computed in integers of 10^-18 USD, so it is exact for any price
 * with up to 12 decimals per million tokens (published prices have at most 6, which makes `usd` exact too; a
 * multiplier's digits beyond that round up).
 * Counts a provider reported inconsistently (more cache reads than input, more 1-hour writes than writes, more audio
 * than input) never bill a negative remainder.
 */
export function computeCost(price: Price, usage: CostUsage): Cost {
  const compiledPrice = compile(price);
  const rates = adjusted(compiledPrice, ratesFor(compiledPrice, usage.inputTokens, usage.serviceTier), usage.modifiers);
  const cacheRead = count(usage.cacheReadTokens);
  const cacheWrite = count(usage.cacheWriteTokens);
  const cacheWrite1h = min(count(usage.cacheWrite1hTokens), cacheWrite);
  const reasoning = count(usage.reasoningTokens);
  const uncached = nonNegative(count(usage.inputTokens) - cacheRead - cacheWrite);
  const cachedAudio = min(count(usage.audioCacheReadTokens), cacheRead);
  const uncachedAudio = min(nonNegative(count(usage.audioInputTokens) - cachedAudio), uncached);
  const answer = nonNegative(count(usage.outputTokens) - reasoning);
  const searches = count(usage.webSearches);
  const atto =
    (uncached - uncachedAudio) * rates.input +
    uncachedAudio * rates.audioInput +
    (cacheRead - cachedAudio) * rates.cachedInput +
    cachedAudio * rates.audioCachedInput +
    (cacheWrite - cacheWrite1h) * rates.cacheWrite +
    cacheWrite1h * rates.cacheWrite1h +
    answer * rates.output +
    reasoning * rates.reasoning +
    rates.perRequest +
    count(usage.images) * rates.perImage +
    searches * rates.perWebSearch +
    (searches > 0n ? rates.perGroundedPrompt : 0n) +
    count(usage.fileSearches) * rates.perFileSearch;
  return { usd: formatUnits(atto, ATTO_DECIMALS, USD_DECIMALS), nanos: ceilDiv(atto, ATTO_PER_NANO) };
}

/**
 * An upper estimate of a request's cost before it runs, for budget reservations, in nano-USD (rounded up): every
 * input token at the dearest input price (a cache write, a 1-hour one most, can cost more than plain input, and audio
 * more than text on Gemini Flash), `maxOutputTokens` at the dearer of output and reasoning, plus the per-request and
 * per-image prices, at the tier `inputTokens` falls in. `serviceTier` is the processing tier the request asks for
 * (OpenAI's `service_tier`): the estimate is then at the dearer of that tier's prices and the standard ones (a provider
 * may serve another tier). A request that names none is estimated at the standard prices, though a provider may still
 * serve it at priority (an OpenAI project whose default is priority): the gateway cannot know that before the answer.
 * `modifiers` are what the request asks for that the usage will report (Anthropic's `speed`, `inference_geo`): the
 * estimate is at the prices they adjust to (a provider that serves a fast request at standard speed bills less).
 */
export function estimateCostNanos(price: Price, inputTokens: number, maxOutputTokens: number, images = 0, serviceTier?: string, modifiers?: UsageModifiers): bigint {
  const compiled = compile(price);
  const standard = ratesFor(compiled, inputTokens);
  const asked = ratesFor(compiled, inputTokens, serviceTier);
  const rates = adjusted(compiled, asked === standard ? standard : dearest(standard, asked), modifiers);
  const inputRate = max(max(max(rates.input, rates.cachedInput), max(rates.cacheWrite, rates.cacheWrite1h)), max(rates.audioInput, rates.audioCachedInput));
  const outputRate = max(rates.output, rates.reasoning);
  const atto = count(inputTokens) * inputRate + count(maxOutputTokens) * outputRate + rates.perRequest + count(images) * rates.perImage;
  return ceilDiv(atto, ATTO_PER_NANO);
}

/** Costs are integers of 10^-18 USD; a price per million tokens with 12 decimals is an integer per token. */
const ATTO_DECIMALS = 18;
const PER_TOKEN_DECIMALS = ATTO_DECIMALS - 6;
const ATTO_PER_NANO = 10n ** 9n;
/** Multipliers are integers of 10^-6. */
const FACTOR_DECIMALS = 6;
const FACTOR_ONE = 10n ** BigInt(FACTOR_DECIMALS);

/** Prices as integers: 10^-18 USD per token (per request, per image). */
interface Rates {
  readonly input: bigint;
  readonly output: bigint;
  readonly cachedInput: bigint;
  readonly cacheWrite: bigint;
  readonly cacheWrite1h: bigint;
  readonly reasoning: bigint;
  readonly audioInput: bigint;
  readonly audioCachedInput: bigint;
  readonly perRequest: bigint;
  readonly perImage: bigint;
  readonly perWebSearch: bigint;
  readonly perGroundedPrompt: bigint;
  readonly perFileSearch: bigint;
}

/** An adjustment as integers: the token multiplier in 10^-6, the per-search fee in 10^-18 USD. */
interface CompiledAdjustment {
  readonly tokens: bigint | undefined;
  readonly perWebSearch: bigint | undefined;
}

interface Compiled {
  readonly base: Rates;
  /** Highest threshold first. */
  readonly tiers: ReadonlyArray<{ readonly above: number; readonly rates: Rates }>;
  readonly serviceTiers: ReadonlyMap<string, Rates>;
  /** By modifier, then by the value the usage reports. */
  readonly adjustments: ReadonlyMap<string, ReadonlyMap<string, CompiledAdjustment>>;
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
      adjustments: new Map(
        Object.entries(price.adjustments).flatMap(([modifier, byValue]) =>
          byValue === undefined
            ? []
            : [
                [
                  modifier,
                  new Map(
                    Object.entries(byValue).map(([value, a]) => [
                      value,
                      {
                        tokens: a.tokens === undefined ? undefined : toUnits(a.tokens, FACTOR_DECIMALS),
                        perWebSearch: a.perWebSearch === undefined ? undefined : toUnits(a.perWebSearch, ATTO_DECIMALS),
                      },
                    ]),
                  ),
                ],
              ],
        ),
      ),
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
    audioInput: toUnits(p.audioInput, PER_TOKEN_DECIMALS),
    audioCachedInput: toUnits(p.audioCachedInput, PER_TOKEN_DECIMALS),
    perRequest: toUnits(p.perRequest, ATTO_DECIMALS),
    perImage: toUnits(p.perImage, ATTO_DECIMALS),
    perWebSearch: toUnits(p.perWebSearch, ATTO_DECIMALS),
    perGroundedPrompt: toUnits(p.perGroundedPrompt, ATTO_DECIMALS),
    perFileSearch: toUnits(p.perFileSearch, ATTO_DECIMALS),
  };
}

/**
 * A tier's prices (an input-size tier's, a service tier's), with the same fallbacks within the tier (cache prices →
 * its input, its 1-hour write → its cache write, reasoning → its output, audio → its input and cached input).
 */
function tierRates(tier: TokenPrices, base: Rates): Rates {
  const input = toUnits(tier.input, PER_TOKEN_DECIMALS);
  const output = toUnits(tier.output, PER_TOKEN_DECIMALS);
  const opt = (v: string | undefined, fallback: bigint) => (v === undefined ? fallback : toUnits(v, PER_TOKEN_DECIMALS));
  const cacheWrite = opt(tier.cacheWrite, input);
  const cachedInput = opt(tier.cachedInput, input);
  return {
    input,
    output,
    cachedInput,
    cacheWrite,
    cacheWrite1h: opt(tier.cacheWrite1h, cacheWrite),
    reasoning: opt(tier.reasoning, output),
    audioInput: opt(tier.audioInput, input),
    audioCachedInput: opt(tier.audioCachedInput, cachedInput),
    perRequest: base.perRequest,
    perImage: base.perImage,
    perWebSearch: base.perWebSearch,
    perGroundedPrompt: base.perGroundedPrompt,
    perFileSearch: base.perFileSearch,
  };
}

/**
 * Service tiers by another name: OpenAI renamed priority processing "fast mode" (2026-07-30). `service_tier: "fast"`
 * is the same tier at the same prices; models up to GPT-5.6 answer that they served it as `priority`, later ones
 * say `fast`.
 * @see https://developers.openai.com/api/docs/guides/priority-processing
 */
const TIER_ALIASES: Readonly<Record<string, string>> = { fast: 'priority' };

function ratesFor(c: Compiled, inputTokens: number, serviceTier?: string): Rates {
  const served = serviceTier === undefined ? undefined : c.serviceTiers.get(TIER_ALIASES[serviceTier] ?? serviceTier);
  if (served !== undefined) return served;
  for (const tier of c.tiers) if (inputTokens > tier.above) return tier.rates;
  return c.base;
}

/**
 * `rates` as what the usage reports adjusts them: every token price times the multipliers of the values it names
 * (multiplied together, then applied once, rounding up), the per-search fee the last named one's. Unchanged when it
 * names nothing the price adjusts for (the common case: no allocation).
 */
function adjusted(c: Compiled, rates: Rates, modifiers: UsageModifiers | undefined): Rates {
  if (modifiers === undefined || c.adjustments.size === 0) return rates;
  let factor = FACTOR_ONE;
  let scale = 1n;
  let perWebSearch: bigint | undefined;
  for (const [modifier, byValue] of c.adjustments) {
    const value = modifiers[modifier as UsageModifier];
    const adjustment = value === undefined ? undefined : byValue.get(value);
    if (adjustment === undefined) continue;
    if (adjustment.tokens !== undefined) {
      factor *= adjustment.tokens;
      scale *= FACTOR_ONE;
    }
    perWebSearch = adjustment.perWebSearch ?? perWebSearch;
  }
  if (factor === FACTOR_ONE && scale === 1n && perWebSearch === undefined) return rates;
  const times = (rate: bigint) => ceilDiv(rate * factor, scale * FACTOR_ONE);
  return {
    input: times(rates.input),
    output: times(rates.output),
    cachedInput: times(rates.cachedInput),
    cacheWrite: times(rates.cacheWrite),
    cacheWrite1h: times(rates.cacheWrite1h),
    reasoning: times(rates.reasoning),
    audioInput: times(rates.audioInput),
    audioCachedInput: times(rates.audioCachedInput),
    perRequest: rates.perRequest,
    perImage: rates.perImage,
    perWebSearch: perWebSearch ?? rates.perWebSearch,
    perGroundedPrompt: rates.perGroundedPrompt,
    perFileSearch: rates.perFileSearch,
  };
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
    audioInput: max(a.audioInput, b.audioInput),
    audioCachedInput: max(a.audioCachedInput, b.audioCachedInput),
    perRequest: max(a.perRequest, b.perRequest),
    perImage: max(a.perImage, b.perImage),
    perWebSearch: max(a.perWebSearch, b.perWebSearch),
    perGroundedPrompt: max(a.perGroundedPrompt, b.perGroundedPrompt),
    perFileSearch: max(a.perFileSearch, b.perFileSearch),
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
