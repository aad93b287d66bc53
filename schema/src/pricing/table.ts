import { formatUnits, multiplyDecimal, toUnits } from './decimal.js';

/**
 * List prices of the models Tollgate's providers serve, USD per million tokens, as exact decimal strings. A
 * deployment's own prices (`ModelConfig.*CostPerMillion`, `costPerRequest`, `costPerImage`) override these; see
 * `effectivePrice` for the order and `docs/architecture.md` ("Pricing") for how to update the table.
 *
 * Conventions, for every entry:
 * - `input` is the price of input tokens neither read from nor written to a prompt cache; `cachedInput` of cache
 *   reads (hits); `cacheWrite` of cache writes; `cacheWrite1h` of the cache writes made with a 1-hour lifetime, where
 *   the provider prices those apart. Claude's `cacheWrite` is its 5-minute write (1.25× input) and its `cacheWrite1h`
 *   the 1-hour write (2× input; Anthropic API and Bedrock alike); an entry without `cacheWrite1h` bills every write at
 *   `cacheWrite`.
 * - `reasoning` is set only where a provider prices reasoning apart from output; none of the current ones does
 *   (OpenAI reasoning tokens, Anthropic thinking and Gemini thoughts are billed as output).
 * - The base prices are the standard (on-demand, non-batch) tier. `serviceTiers` prices a request the provider says
 *   it served at another tier (OpenAI's `service_tier`): `priority` as OpenAI's priority-processing page lists it
 *   (https://openai.com/api-priority-processing/, read 2026-11-27; models it does not list are billed at their
 *   standard prices when served at priority) or, for GPT-5.6 Terra and Luna and the GPT-6 models, as fast mode at 2×
 *   every standard price, as their model pages say; `flex` at Batch rates, half the standard prices, as OpenAI's Flex
 *   guide says (https://developers.openai.com/api/docs/guides/flex-processing). Batch itself is not modelled, nor
 *   OpenAI's 12-hour cache writes (the usage does not say a write's lifetime: every write is billed at `cacheWrite`).
 *   A deployment with prices of its own keeps these as ratios of the base prices (see `effectivePrice`).
 * - `perWebSearch` and `perGroundedPrompt` are fees of a provider's server-side search tool (Anthropic's and OpenAI's
 *   web search, Gemini's grounding with Google Search), `perFileSearch` of OpenAI's hosted file search, on top of
 *   tokens, at the list price: a provider's free allowance of them is not subtracted (see `GROUNDING_FREE_TIER`). They
 *   apply only to the provider's own deployments.
 * - `tiers`: higher prices for a whole request whose input (cache reads and writes included) exceeds a size, where
 *   modelled. Where a provider has such a tier that is not modelled, the note says so and the base tier applies.
 * - `audioInput` and `audioCachedInput` price audio input apart from other input where a provider does (Gemini's
 *   Flash models); absent, audio is input like any other.
 * - `adjustments`: what changes the price of a request by what its usage reports (Anthropic's `speed` and
 *   `inference_geo`, the OpenAI web search tool that searched) or by what the deployment's upstream id says (Bedrock's
 *   regional and global endpoints): every token price multiplied, the per-search fee replaced. See `PriceAdjustment`.
 * - `verified`: `official` when the price was read on the provider's own page, `secondary` when the provider's
 *   page could not be read here and the price was taken from independent transcriptions of it that agree,
 *   `unverified` when the only sources found disagree or are a single third party (the note says which).
 * - `asOf`: the day the entry was checked against its sources.
 */

export type PricedProvider = 'openai' | 'anthropic' | 'gemini' | 'bedrock';

export interface TokenPrices {
  /** USD per million uncached input tokens. */
  readonly input: string;
  /** USD per million output tokens (reasoning included unless `reasoning` says otherwise). */
  readonly output: string;
  /** USD per million input tokens read from a prompt cache. */
  readonly cachedInput?: string;
  /** USD per million input tokens written to a prompt cache (Claude: the 5-minute write). */
  readonly cacheWrite?: string;
  /** USD per million input tokens written to a prompt cache with a 1-hour lifetime; absent: `cacheWrite`. */
  readonly cacheWrite1h?: string;
  /** USD per million reasoning tokens, where they are priced apart from output. */
  readonly reasoning?: string;
  /** USD per million audio input tokens not read from a cache, where priced apart (Gemini Flash); absent: `input`. */
  readonly audioInput?: string;
  /** USD per million audio input tokens read from a cache, where priced apart; absent: `cachedInput`. */
  readonly audioCachedInput?: string;
}

/** Prices for the whole of a request whose input tokens (cache reads and writes included) exceed `aboveInputTokens`. */
export interface PriceTier extends TokenPrices {
  readonly aboveInputTokens: number;
}

/** The processing tiers a provider reports having served a request at, priced apart from its standard prices. */
export type ServiceTier = 'flex' | 'priority';

/**
 * What a request's usage reports that changes its price, with the value the provider reported:
 * - `speed`: Anthropic's `usage.speed` (`fast` for fast mode, `standard`);
 * - `inferenceGeo`: Anthropic's `usage.inference_geo` (`us` for US-only inference, `global`);
 * - `searchTool`: the OpenAI web search tool whose calls the usage counts (`web_search_preview`; `web_search` by default).
 */
export type UsageModifier = 'speed' | 'inferenceGeo' | 'searchTool';

/**
 * What a deployment's upstream id says that changes its price: Bedrock's `endpoint` (`global`, `regional`; see
 * `deploymentModifiers`), applied once, to the deployment's price itself.
 */
export type DeploymentModifier = 'endpoint';
export const DEPLOYMENT_MODIFIERS: readonly DeploymentModifier[] = ['endpoint'];

export type PriceModifier = UsageModifier | DeploymentModifier;

/** The values a request's usage reported, by modifier (`{ speed: 'fast', inferenceGeo: 'us' }`). */
export type UsageModifiers = Readonly<Partial<Record<UsageModifier, string>>>;

/**
 * How one value of a modifier changes the price. Adjustments of several modifiers stack: their multipliers multiply
 * (Anthropic's fast mode and US-only inference: "data residency multipliers apply on top of fast mode pricing").
 */
export interface PriceAdjustment {
  /**
   * Every token price multiplied by this: input, output, cache reads and writes (both lifetimes), reasoning, audio, at
   * every input-size tier and service tier. Not the per-request, per-image or search fees.
   */
  readonly tokens?: string;
  /** The fee per web search instead of the entry's `perWebSearch`. */
  readonly perWebSearch?: string;
}

/** Adjustments by modifier, then by the value that triggers them; a value without one (`standard`, `global`) changes nothing. */
export type PriceAdjustments<M extends PriceModifier = PriceModifier> = { readonly [K in M]?: Readonly<Record<string, PriceAdjustment>> };

export interface TableEntry extends TokenPrices {
  readonly provider: PricedProvider;
  /** The model id as `tablePrice` normalises it (see `lookup.ts`): no date suffix, no inference-profile prefix. */
  readonly model: string;
  /** USD per request, on top of tokens. */
  readonly perRequest?: string;
  /** USD per input image, on top of tokens. */
  readonly perImage?: string;
  /** USD per search of the provider's server-side web search tool, on top of tokens. */
  readonly perWebSearch?: string;
  /** USD per request whose server-side search searched at all, however many queries it ran, on top of tokens. */
  readonly perGroundedPrompt?: string;
  /** USD per call of the provider's hosted file search tool (OpenAI's Responses API `file_search`), on top of tokens. */
  readonly perFileSearch?: string;
  readonly tiers?: readonly PriceTier[];
  /** Prices of a request served at another processing tier (the base prices are the standard tier's). */
  readonly serviceTiers?: Readonly<Partial<Record<ServiceTier, TokenPrices>>>;
  /** Changes of the price by what the usage reports or the deployment's id says (the base prices are unadjusted). */
  readonly adjustments?: PriceAdjustments;
  readonly source: string;
  readonly asOf: string;
  readonly verified: 'official' | 'secondary' | 'unverified';
  readonly note?: string;
}

const CHECKED = '2026-11-25';
const CHECKED_5 = '2026-11-26';
/** Entries added or changed after the cost audit of 2026-11-26. */
const CHECKED_AUDIT = '2026-11-26';
/** Entries checked or added in the QA audit of 2026-11-27. */
const CHECKED_QA = '2026-11-27';

/**
 * The built-in web search tool of OpenAI's Responses API: $10 per 1,000 calls of `web_search` for every model (the
 * pricing page's "Built-in tools", read 2026-11-26 in transcriptions of https://developers.openai.com/api/docs/pricing
 * that agree), counted from the response's `web_search_call` items that searched. The search content tokens are
 * billed at the model's input price and are part of the reported `input_tokens`. Not modelled: on gpt-4o-mini and
 * gpt-4.1-mini `web_search` bills a fixed 8,000 input tokens per call, which the reported usage may not include.
 */
const OPENAI_WEB_SEARCH = '0.01';

/**
 * The built-in file search tool of OpenAI's Responses API: $2.50 per 1,000 tool calls (the pricing page's "Built-in
 * tools", "Responses API only"; read 2026-11-27 in transcriptions of https://developers.openai.com/api/docs/pricing
 * that agree), counted from the response's `file_search_call` items. The retrieved chunks are billed as input tokens
 * and are part of the reported `input_tokens`; the vector stores' storage ($0.10 per GB per day past the first GB) is
 * not a request's, and is not modelled.
 */
const OPENAI_FILE_SEARCH = '0.0025';

/**
 * The legacy `web_search_preview` tool on non-reasoning models (GPT-4o, GPT-4.1 and their minis): $25 per 1,000 calls,
 * "search content tokens are free" (the same page, "Web search preview (non-reasoning models)"; on reasoning models,
 * gpt-5 and the o-series, it is $10 like `web_search`). Its calls are told apart by the request's tool (`searchTool`:
 * the Responses fast path reports `web_search_preview` when that is the only web search tool the request offers). Not
 * modelled: the free search content tokens, which the reported `input_tokens` may include (billed as input here).
 */
const WEB_SEARCH_PREVIEW_NON_REASONING: PriceAdjustments = { searchTool: { web_search_preview: { perWebSearch: '0.025' } } };

/**
 * An OpenAI model: its standard prices, its Flex prices (Batch rates: half of every standard price) and, where OpenAI's
 * priority-processing page lists the model, its priority prices; its web search calls at OpenAI's per-call price.
 */
const openai = (
  model: string,
  prices: TokenPrices,
  verified: TableEntry['verified'],
  note?: string,
  extra: {
    readonly asOf?: string;
    readonly priority?: TokenPrices;
    readonly adjustments?: PriceAdjustments;
    readonly tiers?: readonly PriceTier[];
    readonly source?: string;
  } = {},
): TableEntry => ({
  provider: 'openai',
  model,
  ...prices,
  perWebSearch: OPENAI_WEB_SEARCH,
  perFileSearch: OPENAI_FILE_SEARCH,
  ...(extra.tiers !== undefined && { tiers: extra.tiers }),
  serviceTiers: { flex: half(prices), ...(extra.priority !== undefined && { priority: extra.priority }) },
  ...(extra.adjustments !== undefined && { adjustments: extra.adjustments }),
  source: extra.source ?? 'https://developers.openai.com/api/docs/pricing',
  asOf: extra.asOf ?? CHECKED,
  verified,
  ...(note !== undefined && { note }),
});

/** Every price halved (exact to 6 decimals for the prices below; a 7th decimal would round up). */
function half(prices: TokenPrices): TokenPrices {
  const halve = (p: string) => formatUnits(toUnits(p, 7) / 2n, 7, 6).replace(/\.?0+$/, '');
  return Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, halve(v as string)])) as unknown as TokenPrices;
}

/**
 * OpenAI's long-context price, GPT-5.4 and later: a request with more than 272K input tokens is billed, the whole
 * request, at 2× the input and cache prices and 1.5× the output price ("For requests with more than 272K input tokens,
 * input and cache rates double and output costs 1.5 times the short-context rate for the full request": the GPT-6
 * model pages; the GPT-5.4 to 5.6 pages say "2x input and 1.5x output for the full request", and transcriptions price
 * their cache reads above it at 2× too). Priority and flex prices exclude long context (OpenAI's priority page): a
 * request served at either is billed at that tier's prices whatever its size.
 */
function longContext272k(prices: TokenPrices): PriceTier {
  const times = (p: string | undefined, f: string) => (p === undefined ? undefined : multiplyDecimal(p, f));
  return Object.fromEntries(
    Object.entries({
      aboveInputTokens: 272_000,
      input: times(prices.input, '2'),
      output: times(prices.output, '1.5'),
      cachedInput: times(prices.cachedInput, '2'),
      cacheWrite: times(prices.cacheWrite, '2'),
    }).filter(([, v]) => v !== undefined),
  ) as unknown as PriceTier;
}

/** OpenAI's fast mode (its name for priority from 2026-07-30 on) where the model page prices it at 2× every standard price. */
function fast2x(prices: TokenPrices): TokenPrices {
  return Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, multiplyDecimal(v as string, '2')])) as unknown as TokenPrices;
}

/** Anthropic's published table, read on its pricing page (cache writes: the 5-minute and the 1-hour write). */
/**
 * The web search server tool: $10 per 1,000 searches on the Claude API, counted in `usage.server_tool_use`
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool, "Usage and pricing").
 */
const CLAUDE_WEB_SEARCH = '0.01';

/**
 * Fast mode (`speed: "fast"` on the request, `usage.speed` in the answer): every token price multiplied, cache prices
 * included ("prompt caching multipliers apply on top of fast mode pricing"), across the whole context window, on the
 * Claude API (Bedrock does not offer it) (https://platform.claude.com/docs/en/about-claude/pricing#fast-mode-pricing and
 * https://platform.claude.com/docs/en/build-with-claude/fast-mode). 2× on every model that has it today: Opus 4.8 and
 * Opus 5 ($10 / $50) and Opus 5.5 ($8 / $40), read 2026-11-26 in transcriptions of the pricing page (2026-09-01,
 * 2026-09-30) that agree; Fable 5.2 ($16 / $80) in a transcription of Anthropic's docs of 2026-11-12, and Google
 * Cloud's Fable 5.2 page ("2x the standard-speed token rates across all token types … Web search tool calls are billed
 * at the standard rate"). Search fees are not multiplied. Opus 4.6 and 4.7 had it at 6× ($30 / $150) until it was
 * withdrawn (4.7: removed 2026-07-24; 4.6 "requests run at standard speed and are billed at standard rates"): not
 * modelled, as their usage can no longer report it. Mythos 5.2 has it too, but no entry here.
 */
const FAST_MODE: PriceAdjustments = { speed: { fast: { tokens: '2' } } };
/**
 * US-only inference (`inference_geo: "us"` on the request, `usage.inference_geo` in the answer): 1.1× "all token
 * pricing categories, including input tokens, output tokens, cache writes, and cache reads" on Claude 4.6 and later
 * models (the pricing page's "Data residency pricing", same transcriptions); `global` (the default) at the list price.
 * It stacks with fast mode. Earlier models refuse the parameter.
 */
const US_ONLY: PriceAdjustments = { inferenceGeo: { us: { tokens: '1.1' } } };
const US_ONLY_AND_FAST: PriceAdjustments = { ...US_ONLY, ...FAST_MODE };

const anthropic = (model: string, prices: TokenPrices, extra: Partial<TableEntry> = {}): TableEntry => ({
  provider: 'anthropic',
  model,
  ...prices,
  perWebSearch: CLAUDE_WEB_SEARCH,
  source: 'https://platform.claude.com/docs/en/about-claude/pricing',
  asOf: CHECKED,
  verified: 'official',
  ...extra,
});

/**
 * Grounding with Google Search, on top of tokens (https://ai.google.dev/gemini-api/docs/pricing and the "Pricing" of
 * https://ai.google.dev/gemini-api/docs/google-search, read 2026-11-26 in transcriptions and Google's forum answers
 * that agree): Gemini 3 models bill each search query the model ran ($14 per 1,000; empty queries are not billed),
 * Gemini 2.5 and 2.0 each grounded prompt ($35 per 1,000), however many queries it ran. Counted from the response's
 * `groundingMetadata.webSearchQueries`. Grounding with Google Maps ($25 per 1,000 grounded prompts on Gemini 2.5) is
 * not modelled.
 */
const GEMINI_3_SEARCH: Partial<TableEntry> = { perWebSearch: '0.014' };
const GEMINI_2_GROUNDING: Partial<TableEntry> = { perGroundedPrompt: '0.035' };
/**
 * Google grants a free allowance of grounded prompts per Google Cloud project (Gemini 3: 5,000 a month shared by the
 * Gemini 3 models; Gemini 2.5: 1,500 a day), drawn on by every key and client of the project: the gateway cannot know
 * what is left of it, so it bills every query or prompt at the list price, an upper bound of the invoice.
 */
const GROUNDING_FREE_TIER = 'Grounding is billed at the list price: the free daily or monthly allowance is not subtracted.';

const gemini = (model: string, prices: TokenPrices, extra: Partial<TableEntry> = {}): TableEntry => ({
  provider: 'gemini',
  model,
  ...prices,
  source: 'https://ai.google.dev/gemini-api/docs/pricing',
  asOf: CHECKED,
  verified: 'secondary',
  ...extra,
  note: extra.note === undefined ? GROUNDING_FREE_TIER : `${extra.note} ${GROUNDING_FREE_TIER}`,
});

const BEDROCK_PAGE_NOTE =
  'The AWS pricing page renders its prices client-side, so they could not be read from it here.';

const bedrock = (model: string, prices: TokenPrices, verified: TableEntry['verified'], note: string, asOf = CHECKED): TableEntry => ({
  provider: 'bedrock',
  model,
  ...prices,
  source: 'https://aws.amazon.com/bedrock/pricing/',
  asOf,
  verified,
  note: `${BEDROCK_PAGE_NOTE} ${note}`,
});

// Per-family prices, shared by the Anthropic API and Claude on Bedrock (which bills Anthropic's list prices).
const OPUS_45: TokenPrices = { input: '5', output: '25', cachedInput: '0.5', cacheWrite: '6.25', cacheWrite1h: '10' };
const OPUS_4: TokenPrices = { input: '15', output: '75', cachedInput: '1.5', cacheWrite: '18.75', cacheWrite1h: '30' };
const OPUS_55: TokenPrices = { input: '4', output: '20', cachedInput: '0.2', cacheWrite: '5', cacheWrite1h: '8' };
const FABLE_51: TokenPrices = { input: '10', output: '50', cachedInput: '0.25', cacheWrite: '12.5', cacheWrite1h: '20' };
const FABLE_5: TokenPrices = { input: '10', output: '50', cachedInput: '1', cacheWrite: '12.5', cacheWrite1h: '20' };
const SONNET_5: TokenPrices = { input: '2', output: '10', cachedInput: '0.2', cacheWrite: '2.5', cacheWrite1h: '4' };
const SONNET: TokenPrices = { input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6' };
const HAIKU_45: TokenPrices = { input: '1', output: '5', cachedInput: '0.1', cacheWrite: '1.25', cacheWrite1h: '2' };
const HAIKU_35: TokenPrices = { input: '0.8', output: '4', cachedInput: '0.08', cacheWrite: '1', cacheWrite1h: '1.6' };
const HAIKU_3: TokenPrices = { input: '0.25', output: '1.25', cachedInput: '0.03', cacheWrite: '0.3', cacheWrite1h: '0.5' };
/** Sonnet 4 and 4.5 with the 1M-token context: above 200K input, input ×2 and output ×1.5, cache prices ×2. */
const SONNET_LONG: PriceTier = { aboveInputTokens: 200_000, input: '6', output: '22.5', cachedInput: '0.6', cacheWrite: '7.5', cacheWrite1h: '12' };
/** Haiku 5.5 above 100,000 input tokens: 5× every price (input 0.50, output 2.50, cache reads 0.05, writes 0.625 and 1). */
const HAIKU_55_LONG: PriceTier = { aboveInputTokens: 100_000, input: '0.5', output: '2.5', cachedInput: '0.05', cacheWrite: '0.625', cacheWrite1h: '1' };
const SONNET_LONG_NOTE =
  'Long-context tier (above 200K input tokens): from secondary sources (Anthropic\'s "long context pricing" section was not readable here).';
const LONG_CONTEXT_UNMODELLED =
  'Third parties report a long-context premium above 200K input tokens for this model too; not modelled: the base tier applies.';

const SONNET_55_CACHE =
  "Cache reads at 0.20, as the model's page says in the copy read here (https://platform.claude.com/docs/zh-CN/models/sonnet-5-5/overview, undated); two third parties that re-read Anthropic's pricing page say they were cut to 0.10 (0.05× input) on 2026-10-07 (claudit v1.9.2, read 2026-10-24; PromptFuel v1.0.23). Unresolved: the official 0.20 is kept.";
const CLAUDE_ON_BEDROCK = 'Claude on Bedrock bills Anthropic\'s list prices (several independent sources agree).';
/**
 * Bedrock's regional endpoints for Claude 4.5 and later models: an in-region model id and a geographic cross-region
 * profile (`us.`, `eu.`, `jp.`, `apac.`, …) cost 10% more than the global profile (`global.`), every token price.
 * Anthropic's pricing page, "Cloud platform pricing" (read 2026-11-26 in a transcription of 2026-09-01): "Starting with
 * Claude Sonnet 4.5, Haiku 4.5, and Opus 4.5 … Bedrock offers two endpoint types: global endpoints … and regional
 * endpoints … Regional and multi-region endpoints include a 10% premium over global endpoints … applies to Claude
 * Sonnet 4.5, Haiku 4.5, Opus 4.5, and all future models. Earlier models … retain their existing pricing"; AWS's global
 * cross-Region inference guide: global "offers approximately 10% savings on both input and output token pricing
 * compared to geographic cross-Region inference". The entry's base prices are the global profile's (Anthropic's list
 * prices); which endpoint a deployment uses is read from its model id (`deploymentModifiers`).
 */
const BEDROCK_REGIONAL: PriceAdjustments = { endpoint: { regional: { tokens: '1.1' } } };
const CLAUDE_45_ON_BEDROCK = `${CLAUDE_ON_BEDROCK} These are the global profile's (global.); in-region ids and geographic profiles (us., eu., jp., …) cost 10% more, billed as such from the model id.`;
/** Claude 4.5 and later on Bedrock: Anthropic's list prices at the global profile, 10% more at a regional endpoint. */
const claudeOnBedrock = (model: string, prices: TokenPrices, note = '', extra: { readonly asOf?: string; readonly verified?: TableEntry['verified'] } = {}): TableEntry => ({
  ...bedrock(model, prices, extra.verified ?? 'secondary', `${CLAUDE_45_ON_BEDROCK}${note === '' ? '' : ` ${note}`}`, extra.asOf ?? CHECKED_AUDIT),
  adjustments: BEDROCK_REGIONAL,
});
const GPT_54: TokenPrices = { input: '2.5', output: '15', cachedInput: '0.25' };
const GPT_55: TokenPrices = { input: '5', output: '30', cachedInput: '0.5' };
const GPT_56_SOL: TokenPrices = { input: '5', output: '30', cachedInput: '0.5', cacheWrite: '6.25' };
const GPT_56_TERRA: TokenPrices = { input: '2', output: '12', cachedInput: '0.2', cacheWrite: '2.5' };
const GPT_56_LUNA: TokenPrices = { input: '0.2', output: '1.2', cachedInput: '0.02', cacheWrite: '0.25' };
const GPT_6_ASTRA: TokenPrices = { input: '10', output: '50', cachedInput: '1', cacheWrite: '12.5' };
const GPT_6_SOL: TokenPrices = { input: '2', output: '10', cachedInput: '0.2', cacheWrite: '2.5' };
const GPT_6_LUNA: TokenPrices = { input: '0.1', output: '0.5', cachedInput: '0.01', cacheWrite: '0.125' };
const GPT_61_SOL: TokenPrices = { input: '2', output: '10', cachedInput: '0.1', cacheWrite: '2.5' };
const GPT_61_TERRA: TokenPrices = { input: '1', output: '5', cachedInput: '0.05', cacheWrite: '1.25' };
const GPT_62_ASTRA: TokenPrices = { input: '8', output: '40', cachedInput: '0.4', cacheWrite: '10' };
const GPT_56_LONG =
  'Above 272K input tokens the whole request at 2× input and 1.5× output (the model pages); cache reads and writes at 2× too, as for GPT-6 and as the transcriptions price them.';
const GPT_56_SOL_PROMOTION =
  "Not changed here: from 2026-08-21 OpenAI sold Sol at a promotional 4 / 20, cache reads 0.40, \"at least through 2026-11-21\" (LaoZhang's announcement, https://docs.laozhang.ai/announcements/gpt-5-6-sol-price-cut-2026-09; OpenAI's Terra page compares Sol at 4); whether it still applies after that date could not be verified, so the list price stays: a deployment that pays 4 / 20 sets its own prices (the tiers scale with them).";
const PRIORITY_PAGE = "Priority prices read on OpenAI's priority-processing page (https://openai.com/api-priority-processing/, 2026-11-27).";
const GPT_6_NOTE = 'Flex at Batch rates (half), Fast mode (priority) at 2× every standard price, as the model page says.';
const CODEX_PRIORITY =
  'priority 2.50 / 0.25 / 20 in a transcription of https://openai.com/api-priority-processing/ that lists the Codex models (https://openai-dotcom-dun.vercel.app/api-priority-processing).';
const GPT_56_NOTE =
  "OpenAI's own preview announcement (June 2026), as several transcriptions quote it alike: input and output, cached input at a tenth of input, cache writes at 1.25× input. The 30-minute minimum cache life costs nothing apart.";
const BEDROCK_LONG_CONTEXT_UNVERIFIED =
  'Bedrock serves the 1M-token context (the context-1m beta); whether AWS bills it above 200K input tokens as Anthropic does could not be verified on an AWS page here, so no long-context tier is modelled: the base tier applies.';

export const PRICING_TABLE: readonly TableEntry[] = [
  // OpenAI (also used for Azure OpenAI deployments; Azure's global-standard prices follow OpenAI's).
  openai('gpt-5', { input: '1.25', output: '10', cachedInput: '0.125' }, 'secondary', undefined, { priority: { input: '2.5', output: '20', cachedInput: '0.25' } }),
  openai('gpt-5-mini', { input: '0.25', output: '2', cachedInput: '0.025' }, 'secondary', undefined, { priority: { input: '0.45', output: '3.6', cachedInput: '0.045' } }),
  openai('gpt-5-nano', { input: '0.05', output: '0.4', cachedInput: '0.005' }, 'official', 'Read on https://developers.openai.com/api/docs/models/gpt-5-nano.'),
  openai('gpt-5.1', { input: '1.25', output: '10', cachedInput: '0.125' }, 'unverified', 'Input and output from secondary sources; the cached price is the GPT-5 family\'s 90% discount, not seen on a page.', {
    priority: { input: '2.5', output: '20', cachedInput: '0.25' },
  }),
  openai('gpt-5.2', { input: '1.75', output: '14', cachedInput: '0.175' }, 'secondary', undefined, { priority: { input: '3.5', output: '28', cachedInput: '0.35' } }),
  openai(
    'gpt-5.4',
    GPT_54,
    'secondary',
    'Above 272K input tokens the whole request at 5 / 22.50, cache reads 0.50 (2× input and cache, 1.5× output: transcriptions of the pricing page, https://github.com/simonw/llm-prices data/openai.json "GPT-5.4 >272k", and WaveSpeed\'s listing agree).',
    { asOf: CHECKED_QA, tiers: [longContext272k(GPT_54)], priority: { input: '5', output: '30', cachedInput: '0.5' } },
  ),
  openai('gpt-5.4-mini', { input: '0.75', output: '4.5', cachedInput: '0.075' }, 'secondary', undefined, { priority: { input: '1.5', output: '9', cachedInput: '0.15' } }),
  openai(
    'gpt-5.4-nano',
    { input: '0.2', output: '1.25', cachedInput: '0.02' },
    'secondary',
    "Transcriptions of OpenAI's pricing page agree (https://github.com/simonw/llm-prices data/openai.json; api-evangelist's OpenAI plans, read 2026-05-04); OpenAI's GPT-5.6 Luna page compares it at 0.20 input. No priority tier (OpenAI's community forum: \"the notable exception without priority service tier is gpt-5.4-nano\").",
    { asOf: CHECKED_QA },
  ),
  openai(
    'gpt-5.4-pro',
    { input: '30', output: '180' },
    'secondary',
    'Transcriptions agree on 30 / 180 and 60 / 270 above 272K input tokens (https://github.com/simonw/llm-prices data/openai.json; Vercel AI Gateway, Bifrost\'s model library); no cached-input price in them (one reseller lists 3): cached input is billed as input.',
    { asOf: CHECKED_QA, tiers: [{ aboveInputTokens: 272_000, input: '60', output: '270' }] },
  ),
  openai(
    'gpt-5.5',
    GPT_55,
    'unverified',
    'Input and output: transcriptions of OpenAI\'s page agree (5 / 30). Cached input: two transcriptions say 0.50, a tenth of input, as OpenAI\'s priority page has it for priority (12.50 / 1.25) and a reading of the pricing page on 2026-11-05 reports for the newest models; two others say 1.25, the priority cached price. Above 272K input tokens the whole request at 10 / 45, cache reads 1 (https://github.com/simonw/llm-prices data/openai.json "GPT-5.5 >272k"; OpenAI\'s 2× input, 1.5× output rule).',
    { asOf: CHECKED_QA, tiers: [longContext272k(GPT_55)], priority: { input: '12.5', output: '75', cachedInput: '1.25' } },
  ),
  // GPT-5.6 bills prompt-cache writes, 1.25× input (reported as `cache_write_tokens`).
  openai('gpt-5.6-sol', GPT_56_SOL, 'secondary', `${GPT_56_NOTE} ${GPT_56_SOL_PROMOTION} ${GPT_56_LONG}`, { asOf: CHECKED_QA, tiers: [longContext272k(GPT_56_SOL)] }),
  openai(
    'gpt-5.6-terra',
    GPT_56_TERRA,
    'official',
    `Price cut of 2026-07-30 (launched at 2.50 / 15, cache reads 0.25): OpenAI's model page (https://developers.openai.com/de-DE/api/docs/models/gpt-5.6-terra) lists 2 / 12, cached input 0.20, cache writes at 1.25× input; LaoZhang's and APIYI's announcements of the cut (https://docs.laozhang.ai/en/announcements/gpt-5-6-pricing-2026-07, https://docs.apiyi.com/live/2026-07/gpt-5-6-terra-luna-price-cut) and Venice (https://docs.venice.ai/models/gpt-5-6-terra) agree. Fast mode at 2× (Vercel AI Gateway's gpt-5.6-terra-fast: 4 / 24). ${GPT_56_LONG} Above 272K: 4 / 18, as the announcements say.`,
    { asOf: CHECKED_QA, tiers: [longContext272k(GPT_56_TERRA)], priority: fast2x(GPT_56_TERRA), source: 'https://developers.openai.com/api/docs/models/gpt-5.6-terra' },
  ),
  openai(
    'gpt-5.6-luna',
    GPT_56_LUNA,
    'official',
    `Price cut of 2026-07-30 (launched at 1 / 6, cache reads 0.10): OpenAI's model page (https://developers.openai.com/api/docs/models/gpt-5.6-luna) lists 0.20 / 1.20, cached input 0.02, cache writes at 1.25× input; the announcements of the cut (LaoZhang, APIYI) agree. Fast mode at 2× (Vercel AI Gateway's gpt-5.6-luna-fast: 0.40 / 2.40). ${GPT_56_LONG} Above 272K: 0.40 / 1.80, as the announcements say.`,
    { asOf: CHECKED_QA, tiers: [longContext272k(GPT_56_LUNA)], priority: fast2x(GPT_56_LUNA), source: 'https://developers.openai.com/api/docs/models/gpt-5.6-luna' },
  ),
  openai(
    'gpt-5.5-pro',
    { input: '30', output: '180' },
    'secondary',
    'No cached-input price in the transcriptions that agree on 30 / 180 (one reseller lists 3): cached input is billed as input. Above 272K input tokens OpenAI reportedly charges more (APIYI: 60 input); not modelled.',
    { asOf: CHECKED_AUDIT },
  ),
  openai('gpt-5.2-pro', { input: '21', output: '168' }, 'secondary', 'Transcriptions agree (https://github.com/simonw/llm-prices data/openai.json; a Hugging Face dataset builder\'s price list); no cached-input price: cached input is billed as input.', { asOf: CHECKED_QA }),
  openai('gpt-5-pro', { input: '15', output: '120' }, 'secondary', 'Transcriptions agree (https://github.com/simonw/llm-prices data/openai.json; deploybase.ai\'s OpenAI price list); no cached-input price: cached input is billed as input.', { asOf: CHECKED_QA }),
  // Codex models: GPT-5's prices; priority as the priority page's newer transcription lists it.
  openai('gpt-5-codex', { input: '1.25', output: '10', cachedInput: '0.125' }, 'secondary', `deploybase.ai's OpenAI price list (1.25 / 10) and OpenAI's GPT-5 prices; ${CODEX_PRIORITY}`, { asOf: CHECKED_QA, priority: { input: '2.5', output: '20', cachedInput: '0.25' } }),
  openai('gpt-5.1-codex', { input: '1.25', output: '10', cachedInput: '0.125' }, 'secondary', `https://github.com/simonw/llm-prices data/openai.json; ${CODEX_PRIORITY}`, { asOf: CHECKED_QA, priority: { input: '2.5', output: '20', cachedInput: '0.25' } }),
  // GPT-6. Every model page: cache reads and writes as listed, writes for 30 minutes (a 12-hour write costs 2× that,
  // not modelled: usage does not report the lifetime), above 272K input tokens 2× input and cache, 1.5× output for the
  // whole request, Batch and Flex 50% off, Fast mode (priority) 2×, regional processing +10% (not modelled).
  openai('gpt-6-astra', GPT_6_ASTRA, 'secondary', `${GPT_6_NOTE} Transcriptions of https://developers.openai.com/api/docs/models/gpt-6-astra agree: LiteLLM's launch notes (https://github.com/BerriAI/litellm/discussions/39633: 10 / 50, cache reads 1, writes 12.50, long requests 20 / 75), codex-usage and AI Token Meter's releases.`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_6_ASTRA)],
    priority: fast2x(GPT_6_ASTRA),
    source: 'https://developers.openai.com/api/docs/models/gpt-6-astra',
  }),
  openai('gpt-6-sol', GPT_6_SOL, 'official', `${GPT_6_NOTE} Read on the model page; long requests 4 / 15, cache 0.40 / 5 (Muapi's transcription agrees).`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_6_SOL)],
    priority: fast2x(GPT_6_SOL),
    source: 'https://developers.openai.com/api/docs/models/gpt-6-sol',
  }),
  openai('gpt-6-luna', GPT_6_LUNA, 'official', `${GPT_6_NOTE} Read on the model page (Japanese edition, https://developers.openai.com/ja-JP/api/docs/models/gpt-6-luna).`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_6_LUNA)],
    priority: fast2x(GPT_6_LUNA),
    source: 'https://developers.openai.com/api/docs/models/gpt-6-luna',
  }),
  openai('gpt-6.1-sol', GPT_61_SOL, 'secondary', `${GPT_6_NOTE} Transcriptions of the model page agree: 2 / 10, cache reads 0.10 (GPT-6 Sol's 0.20 halved), writes 2.50, long requests 4 / 15 / 0.20 (AILSA SubSwitch's and CodexManager's releases citing the page, Apidog's guide, LiteLLM's and APIYI's launch notes).`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_61_SOL)],
    priority: fast2x(GPT_61_SOL),
    source: 'https://developers.openai.com/api/docs/models/gpt-6.1-sol',
  }),
  openai('gpt-6.1-terra', GPT_61_TERRA, 'official', `${GPT_6_NOTE} Read on the model page (Chinese edition, https://developers.openai.com/zh-Hans/api/docs/models/gpt-6.1-terra): 12-hour writes 2.50; LiteLLM (https://docs.litellm.ai/blog/gpt-6-1-terra) and Apidog agree, long requests 2 / 7.50 / 0.10.`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_61_TERRA)],
    priority: fast2x(GPT_61_TERRA),
    source: 'https://developers.openai.com/api/docs/models/gpt-6.1-terra',
  }),
  openai('gpt-6.2-sol', GPT_61_SOL, 'official', `${GPT_6_NOTE} Read on the model page (12-hour writes 5; the page names Batch, not Flex, at 50%). Released 2026-11-17.`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_61_SOL)],
    priority: fast2x(GPT_61_SOL),
    source: 'https://developers.openai.com/api/docs/models/gpt-6.2-sol',
  }),
  openai('gpt-6.2-astra', GPT_62_ASTRA, 'secondary', `${GPT_6_NOTE} Released 2026-11-17: 8 / 40 in Apidog's guide (citing the model page, read 2026-11-18), LaoZhang's and LiteLLM's launch notes (https://github.com/BerriAI/litellm/discussions/52347: cached input 60% below GPT-6 Astra's); cache reads 0.40 and writes 10, long requests 16 / 60, in TokenMeter's release (https://github.com/iyulab/TokenMeter/releases/tag/v0.17.0).`, {
    asOf: CHECKED_QA,
    tiers: [longContext272k(GPT_62_ASTRA)],
    priority: fast2x(GPT_62_ASTRA),
    source: 'https://developers.openai.com/api/docs/models/gpt-6.2-astra',
  }),
  // Non-reasoning models: the legacy web_search_preview's calls at $25 per 1,000.
  openai('gpt-4.1', { input: '2', output: '8', cachedInput: '0.5' }, 'secondary', PRIORITY_PAGE, {
    asOf: CHECKED_QA,
    priority: { input: '3.5', output: '14', cachedInput: '0.875' },
    adjustments: WEB_SEARCH_PREVIEW_NON_REASONING,
  }),
  openai('gpt-4.1-mini', { input: '0.4', output: '1.6', cachedInput: '0.1' }, 'secondary', PRIORITY_PAGE, {
    asOf: CHECKED_QA,
    priority: { input: '0.7', output: '2.8', cachedInput: '0.175' },
    adjustments: WEB_SEARCH_PREVIEW_NON_REASONING,
  }),
  openai(
    'gpt-4.1-nano',
    { input: '0.1', output: '0.4', cachedInput: '0.025' },
    'secondary',
    `One third-party catalogue lists the cached price as 0.03; 0.025 (the 4.1 family's 75% discount) is what transcriptions of OpenAI's page say. ${PRIORITY_PAGE}`,
    { asOf: CHECKED_QA, priority: { input: '0.2', output: '0.8', cachedInput: '0.05' }, adjustments: WEB_SEARCH_PREVIEW_NON_REASONING },
  ),
  openai('gpt-4o', { input: '2.5', output: '10', cachedInput: '1.25' }, 'secondary', `${PRIORITY_PAGE} Its priority prices are those of gpt-4o-2024-11-20 and -2024-08-06.`, {
    asOf: CHECKED_QA,
    priority: { input: '4.25', output: '17', cachedInput: '2.125' },
    adjustments: WEB_SEARCH_PREVIEW_NON_REASONING,
  }),
  openai('gpt-4o-2024-05-13', { input: '5', output: '15' }, 'secondary', `The first GPT-4o snapshot keeps its launch price and has no cached-input price. ${PRIORITY_PAGE}`, {
    asOf: CHECKED_QA,
    priority: { input: '8.75', output: '26.25' },
    adjustments: WEB_SEARCH_PREVIEW_NON_REASONING,
  }),
  openai('gpt-4o-mini', { input: '0.15', output: '0.6', cachedInput: '0.075' }, 'secondary', PRIORITY_PAGE, {
    asOf: CHECKED_QA,
    priority: { input: '0.25', output: '1', cachedInput: '0.125' },
    adjustments: WEB_SEARCH_PREVIEW_NON_REASONING,
  }),
  openai(
    'chatgpt-4o-latest',
    { input: '5', output: '15' },
    'unverified',
    'From one third-party catalogue (https://github.com/simonw/llm-prices data/openai.json); no cached-input price. The legacy web_search_preview fee of the other GPT-4o models is not applied (the model has no hosted tools).',
    { asOf: CHECKED_QA },
  ),
  openai('o3', { input: '2', output: '8', cachedInput: '0.5' }, 'secondary', `Price after OpenAI's June 2025 cut (launched at 10 / 40). ${PRIORITY_PAGE}`, {
    asOf: CHECKED_QA,
    priority: { input: '3.5', output: '14', cachedInput: '0.875' },
  }),
  openai('o4-mini', { input: '1.1', output: '4.4', cachedInput: '0.275' }, 'secondary', PRIORITY_PAGE, { asOf: CHECKED_QA, priority: { input: '2', output: '8', cachedInput: '0.5' } }),
  openai(
    'o3-pro',
    { input: '20', output: '80' },
    'unverified',
    'From one third-party catalogue (https://github.com/simonw/llm-prices data/openai.json); another page lists 150 / 150, so the sources disagree. No cached-input price: cached input is billed as input.',
    { asOf: CHECKED_QA },
  ),
  openai('o3-mini', { input: '1.1', output: '4.4', cachedInput: '0.55' }, 'secondary', 'Transcriptions agree (https://github.com/simonw/llm-prices data/openai.json; OpenAI\'s GPT-4.5 announcement as quoted in appatalks/chatgpt-html#82; chatgptpricing.com).', { asOf: CHECKED_QA }),
  openai('o1', { input: '15', output: '60', cachedInput: '7.5' }, 'secondary', 'Transcriptions agree (https://github.com/simonw/llm-prices data/openai.json "o1 and o1-preview"; the openai-models crate\'s table, citing https://openai.com/api/pricing/; chatgptpricing.com).', { asOf: CHECKED_QA }),
  // Embeddings: input only.
  openai('text-embedding-3-small', { input: '0.02', output: '0' }, 'unverified', 'From one third-party transcription of the pricing page (https://chatgptpricing-akr.pages.dev/api-pricing); input only.', { asOf: CHECKED_QA }),
  openai('text-embedding-3-large', { input: '0.13', output: '0' }, 'unverified', 'From one third-party transcription of the pricing page (https://chatgptpricing-akr.pages.dev/api-pricing); input only.', { asOf: CHECKED_QA }),

  // Anthropic API. Claude models listed as retired on the Claude API are kept while a cloud still sells them.
  // The Claude 5 family, read on 2026-11-26 on Anthropic's pricing page and each model's page (platform.claude.com/docs/
  // en/models/<model>/overview): cache reads are not all 0.1× input there.
  anthropic('claude-fable-5-2', { input: '8', output: '40', cachedInput: '0.2', cacheWrite: '10', cacheWrite1h: '16' }, {
    asOf: CHECKED_AUDIT,
    verified: 'secondary',
    adjustments: US_ONLY_AND_FAST,
    note: "Released 2026-11-09, after the pricing page as read here: two independent transcriptions of Anthropic's list price agree (8 / 40, cache reads 0.20, writes 10 for 5 minutes and 16 for an hour).",
  }),
  anthropic('claude-fable-5-1', FABLE_51, { asOf: CHECKED_5, adjustments: US_ONLY }),
  anthropic('claude-mythos-5-1', FABLE_51, { asOf: CHECKED_5, adjustments: US_ONLY, note: 'Limited availability.' }),
  anthropic('claude-fable-5', FABLE_5, { asOf: CHECKED_5, adjustments: US_ONLY }),
  anthropic('claude-mythos-5', FABLE_5, { asOf: CHECKED_5, adjustments: US_ONLY, note: 'Limited availability.' }),
  anthropic('claude-opus-5-5', OPUS_55, { asOf: CHECKED_5, adjustments: US_ONLY_AND_FAST, source: 'https://platform.claude.com/docs/en/models/opus-5-5/overview' }),
  anthropic('claude-opus-5', OPUS_45, { asOf: CHECKED_5, adjustments: US_ONLY_AND_FAST, note: 'Fast mode in research preview.' }),
  anthropic('claude-sonnet-5-5', SONNET_5, {
    asOf: CHECKED_QA,
    adjustments: US_ONLY,
    verified: 'unverified',
    source: 'https://platform.claude.com/docs/en/models/sonnet-5-5/overview',
    note: `${SONNET_55_CACHE} Input, output and cache writes: the model's page.`,
  }),
  anthropic('claude-sonnet-5', SONNET_5, { asOf: CHECKED_5, adjustments: US_ONLY, source: 'https://platform.claude.com/docs/en/models/sonnet-5/overview' }),
  anthropic('claude-haiku-5-5', { input: '0.1', output: '0.5', cachedInput: '0.01', cacheWrite: '0.125', cacheWrite1h: '0.2' }, {
    tiers: [HAIKU_55_LONG],
    adjustments: US_ONLY,
    asOf: CHECKED_AUDIT,
    verified: 'secondary',
    source: 'https://platform.claude.com/docs/en/models/haiku-5-5/overview',
    note: 'Priced by prompt length, the whole request at the second price above 100,000 input tokens (cache included): the model\'s page, read in transcriptions of it that agree (2026-10-07 to 2026-10-10), the pricing page saying "a prompt of over 100,000 tokens pays higher prices".',
  }),
  anthropic('claude-opus-4-8', OPUS_45, { adjustments: US_ONLY_AND_FAST, asOf: CHECKED_AUDIT, note: 'Fast mode deprecated (2026-10-30), to be removed on 2026-11-30.' }),
  anthropic('claude-opus-4-7', OPUS_45, { adjustments: US_ONLY, asOf: CHECKED_AUDIT }),
  anthropic('claude-opus-4-6', OPUS_45, { adjustments: US_ONLY, asOf: CHECKED_AUDIT, note: LONG_CONTEXT_UNMODELLED }),
  anthropic('claude-opus-4-5', OPUS_45),
  anthropic('claude-opus-4-1', OPUS_4, { note: 'Retired on the Claude API except on Bedrock and Google Cloud.' }),
  anthropic('claude-opus-4', OPUS_4, { note: 'Retired on the Claude API except on Google Cloud.' }),
  anthropic('claude-sonnet-4-6', SONNET, { adjustments: US_ONLY, asOf: CHECKED_AUDIT, note: LONG_CONTEXT_UNMODELLED }),
  anthropic('claude-sonnet-4-5', SONNET, { tiers: [SONNET_LONG], note: SONNET_LONG_NOTE }),
  anthropic('claude-sonnet-4', SONNET, { tiers: [SONNET_LONG], note: SONNET_LONG_NOTE }),
  anthropic('claude-3-7-sonnet', SONNET, { note: 'Deprecated.' }),
  anthropic('claude-haiku-4-5', HAIKU_45),
  anthropic('claude-3-5-haiku', HAIKU_35),
  anthropic('claude-3-opus', OPUS_4, { note: 'Deprecated.' }),
  anthropic('claude-3-haiku', HAIKU_3),

  // Google Gemini API (paid tier). Thinking is billed as output. Audio input costs more than text, image and video on
  // the Flash models (`audioInput`, `audioCachedInput`; usageMetadata's promptTokensDetails and cacheTokensDetails say
  // which input was audio); the Pro models price every modality alike. Audio prices read 2026-11-26 in transcriptions
  // of Google's pricing page (2026-06-17 and others) that agree.
  gemini('gemini-2.5-pro', { input: '1.25', output: '10', cachedInput: '0.125' }, {
    ...GEMINI_2_GROUNDING,
    tiers: [{ aboveInputTokens: 200_000, input: '2.5', output: '15', cachedInput: '0.25' }],
    note: 'Prompts above 200K tokens are billed at the second tier for the whole request.',
  }),
  gemini('gemini-3-pro-preview', { input: '2', output: '12', cachedInput: '0.2' }, {
    ...GEMINI_3_SEARCH,
    tiers: [{ aboveInputTokens: 200_000, input: '4', output: '18', cachedInput: '0.4' }],
    asOf: CHECKED_AUDIT,
    verified: 'unverified',
    note: "Input and output, both tiers (200K and below: 2 / 12; above, for the whole request: 4 / 18), from several transcriptions that agree; the cache prices (0.20, 0.40 above 200K) from one third-party catalogue. Shut down on the Gemini API on 2026-03-09 (Google's deprecations page; replacement gemini-3.1-pro-preview); kept for deployments that still name it.",
  }),
  gemini('gemini-3.1-pro-preview', { input: '2', output: '12', cachedInput: '0.2' }, {
    ...GEMINI_3_SEARCH,
    tiers: [{ aboveInputTokens: 200_000, input: '4', output: '18', cachedInput: '0.4' }],
    asOf: CHECKED_QA,
    verified: 'unverified',
    note: "Input and output, both tiers (200K and below: 2 / 12; above, for the whole request: 4 / 18): Morph's transcription of Google's page (https://www.morphllm.com/gemini-api-pricing, as gemini-3.1-pro) and the QA audit's reading agree; the cache prices (0.20, 0.40 above 200K) are Gemini 3 Pro's, not seen for 3.1. Search grounding billed per query as for Gemini 3.",
  }),
  gemini('gemini-3.5-flash', { input: '1.5', output: '9', cachedInput: '0.15' }, {
    ...GEMINI_3_SEARCH,
    asOf: CHECKED_QA,
    verified: 'unverified',
    note: "Input and output: Morph's transcription of Google's page (https://www.morphllm.com/gemini-api-pricing) and byteiota's launch report (https://byteiota.com/gemini-flash-pricing-cache-cost-fix/) agree (1.50 / 9); cached input 0.15 is the 90% cache discount byteiota reports (\"roughly $0.15–$0.20\"), not seen on a page. Audio input is billed as other input (an audio price apart was not found). Search grounding billed per query as for Gemini 3.",
  }),
  gemini('gemini-3.1-flash-lite', { input: '0.25', output: '1.5' }, {
    ...GEMINI_3_SEARCH,
    asOf: CHECKED_QA,
    verified: 'secondary',
    note: "0.25 / 1.50: Morph's transcription of Google's page (https://www.morphllm.com/gemini-api-pricing) and Bifrost's model library agree. Not found: its cache price (cache reads are billed as input) and its audio input price (reported at 0.50; billed as text input here). Search grounding billed per query as for Gemini 3.",
  }),
  gemini('gemini-3-flash-preview', { input: '0.5', output: '3', cachedInput: '0.05', audioInput: '1', audioCachedInput: '0.1' }, {
    ...GEMINI_3_SEARCH,
    asOf: CHECKED_AUDIT,
  }),
  gemini('gemini-2.5-flash', { input: '0.3', output: '2.5', cachedInput: '0.03', audioInput: '1', audioCachedInput: '0.1' }, { ...GEMINI_2_GROUNDING, asOf: CHECKED_AUDIT }),
  gemini('gemini-2.5-flash-lite', { input: '0.1', output: '0.4', cachedInput: '0.01', audioInput: '0.3', audioCachedInput: '0.03' }, { ...GEMINI_2_GROUNDING, asOf: CHECKED_AUDIT }),
  gemini('gemini-2.0-flash', { input: '0.1', output: '0.4', cachedInput: '0.025', audioInput: '0.7', audioCachedInput: '0.175' }, {
    ...GEMINI_2_GROUNDING,
    asOf: CHECKED_AUDIT,
    note: 'Deprecated; announced to retire on 2026-06-01.',
  }),

  // Amazon Bedrock, on-demand, us-east-1. Keys are Bedrock model ids without version and date suffixes.
  claudeOnBedrock('anthropic.claude-fable-5', FABLE_5),
  claudeOnBedrock('anthropic.claude-mythos-5', FABLE_5),
  claudeOnBedrock('anthropic.claude-opus-5', OPUS_45),
  claudeOnBedrock(
    'anthropic.claude-opus-4-8',
    OPUS_45,
    "Served as global.anthropic.claude-opus-4-8 (AWS samples' eksreview model list; airun v2.5.5).",
    { asOf: CHECKED_QA },
  ),
  claudeOnBedrock(
    'anthropic.claude-sonnet-5-5',
    SONNET_5,
    `Served as anthropic.claude-sonnet-5-5 and its us., eu. and global. profiles (the AI SDK's Bedrock provider, AWS samples' BRConnector docs). ${SONNET_55_CACHE}`,
    { asOf: CHECKED_QA, verified: 'unverified' },
  ),
  claudeOnBedrock('anthropic.claude-opus-4-7', OPUS_45),
  claudeOnBedrock('anthropic.claude-opus-4-6', OPUS_45),
  claudeOnBedrock('anthropic.claude-opus-4-5', OPUS_45),
  bedrock('anthropic.claude-opus-4-1', OPUS_4, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4', OPUS_4, 'secondary', CLAUDE_ON_BEDROCK),
  claudeOnBedrock('anthropic.claude-sonnet-4-6', SONNET),
  claudeOnBedrock('anthropic.claude-sonnet-4-5', SONNET, BEDROCK_LONG_CONTEXT_UNVERIFIED),
  bedrock('anthropic.claude-sonnet-4', SONNET, 'secondary', `${CLAUDE_ON_BEDROCK} ${BEDROCK_LONG_CONTEXT_UNVERIFIED}`, CHECKED_AUDIT),
  bedrock('anthropic.claude-3-7-sonnet', SONNET, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-3-5-sonnet', SONNET, 'secondary', `${CLAUDE_ON_BEDROCK} Both 3.5 Sonnet versions (20240620 v1, 20241022 v2).`),
  claudeOnBedrock('anthropic.claude-haiku-4-5', HAIKU_45),
  bedrock('anthropic.claude-3-5-haiku', HAIKU_35, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-3-haiku', HAIKU_3, 'secondary', CLAUDE_ON_BEDROCK),
  // Nova: cache reads cost 75% less than input (stated on the AWS page); writes cost nothing extra.
  bedrock('amazon.nova-micro', { input: '0.035', output: '0.14', cachedInput: '0.00875' }, 'secondary', 'Input and output from transcriptions of the AWS page; cached = input × 0.25.'),
  bedrock('amazon.nova-lite', { input: '0.06', output: '0.24', cachedInput: '0.015' }, 'secondary', 'Input and output from transcriptions of the AWS page; cached = input × 0.25.'),
  bedrock('amazon.nova-pro', { input: '0.8', output: '3.2', cachedInput: '0.2' }, 'secondary', 'Input and output from transcriptions of the AWS page; cached = input × 0.25.'),
  bedrock('amazon.nova-premier', { input: '2.5', output: '12.5' }, 'secondary', 'No prompt caching.'),
  bedrock('meta.llama4-maverick-17b-instruct', { input: '0.24', output: '0.97' }, 'unverified', 'From one third-party catalogue (models.dev).'),
  bedrock('meta.llama4-scout-17b-instruct', { input: '0.17', output: '0.66' }, 'unverified', 'From one third-party catalogue (models.dev).'),
  bedrock('meta.llama3-3-70b-instruct', { input: '0.72', output: '0.72' }, 'unverified', 'From one third-party catalogue (models.dev); another third party quotes 2.65 input.'),
  bedrock('mistral.mistral-large-3-675b-instruct', { input: '0.25', output: '0.75' }, 'unverified', 'From one third-party catalogue (models.dev).'),
  bedrock('mistral.mistral-large-2402', { input: '4', output: '12' }, 'unverified', 'From one third-party guide.'),
  bedrock('mistral.mixtral-8x7b-instruct', { input: '0.45', output: '0.7' }, 'unverified', 'From one third-party guide.'),
  bedrock('mistral.mistral-7b-instruct', { input: '0.15', output: '0.2' }, 'unverified', 'From one third-party guide.'),
];
