/**
 * List prices of the models Tollgate's providers serve, USD per million tokens, as exact decimal strings. A
 * deployment's own prices (`ModelConfig.*CostPerMillion`, `costPerRequest`, `costPerImage`) override these; see
 * `effectivePrice` for the order and `docs/architecture.md` ("Pricing") for how to update the table.
 *
 * Conventions, for every entry:
 * - `input` is the price of input tokens neither read from nor written to a prompt cache; `cachedInput` of cache
 *   reads (hits); `cacheWrite` of cache writes. Anthropic's cache write is its 5-minute write (1.25× input); its
 *   1-hour writes (2× input) are reported in the same count and billed here at the 5-minute price.
 * - `reasoning` is set only where a provider prices reasoning apart from output; none of the current ones does
 *   (OpenAI reasoning tokens, Anthropic thinking and Gemini thoughts are billed as output).
 * - Standard (on-demand, non-batch, non-priority) tier only; Batch, Flex and Priority prices are not modelled.
 * - `tiers`: higher prices for a whole request whose input (cache reads and writes included) exceeds a size, where
 *   modelled. Where a provider has such a tier that is not modelled, the note says so and the base tier applies.
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
  /** USD per million input tokens written to a prompt cache. */
  readonly cacheWrite?: string;
  /** USD per million reasoning tokens, where they are priced apart from output. */
  readonly reasoning?: string;
}

/** Prices for the whole of a request whose input tokens (cache reads and writes included) exceed `aboveInputTokens`. */
export interface PriceTier extends TokenPrices {
  readonly aboveInputTokens: number;
}

export interface TableEntry extends TokenPrices {
  readonly provider: PricedProvider;
  /** The model id as `tablePrice` normalises it (see `lookup.ts`): no date suffix, no inference-profile prefix. */
  readonly model: string;
  /** USD per request, on top of tokens. */
  readonly perRequest?: string;
  /** USD per input image, on top of tokens. */
  readonly perImage?: string;
  readonly tiers?: readonly PriceTier[];
  readonly source: string;
  readonly asOf: string;
  readonly verified: 'official' | 'secondary' | 'unverified';
  readonly note?: string;
}

const CHECKED = '2026-11-25';
const CHECKED_5 = '2026-11-26';

const openai = (model: string, prices: TokenPrices, verified: TableEntry['verified'], note?: string): TableEntry => ({
  provider: 'openai',
  model,
  ...prices,
  source: 'https://developers.openai.com/api/docs/pricing',
  asOf: CHECKED,
  verified,
  ...(note !== undefined && { note }),
});

/** Anthropic's published table, read on its pricing page (cache write: the 5-minute write). */
const anthropic = (model: string, prices: TokenPrices, extra: Partial<TableEntry> = {}): TableEntry => ({
  provider: 'anthropic',
  model,
  ...prices,
  source: 'https://platform.claude.com/docs/en/about-claude/pricing',
  asOf: CHECKED,
  verified: 'official',
  ...extra,
});

const gemini = (model: string, prices: TokenPrices, extra: Partial<TableEntry> = {}): TableEntry => ({
  provider: 'gemini',
  model,
  ...prices,
  source: 'https://ai.google.dev/gemini-api/docs/pricing',
  asOf: CHECKED,
  verified: 'secondary',
  ...extra,
});

const BEDROCK_PAGE_NOTE =
  'The AWS pricing page renders its prices client-side, so they could not be read from it here.';

const bedrock = (model: string, prices: TokenPrices, verified: TableEntry['verified'], note: string): TableEntry => ({
  provider: 'bedrock',
  model,
  ...prices,
  source: 'https://aws.amazon.com/bedrock/pricing/',
  asOf: CHECKED,
  verified,
  note: `${BEDROCK_PAGE_NOTE} ${note}`,
});

// Per-family prices, shared by the Anthropic API and Claude on Bedrock (which bills Anthropic's list prices).
const OPUS_45: TokenPrices = { input: '5', output: '25', cachedInput: '0.5', cacheWrite: '6.25' };
const OPUS_4: TokenPrices = { input: '15', output: '75', cachedInput: '1.5', cacheWrite: '18.75' };
const OPUS_55: TokenPrices = { input: '4', output: '20', cachedInput: '0.2', cacheWrite: '5' };
const FABLE_51: TokenPrices = { input: '10', output: '50', cachedInput: '0.25', cacheWrite: '12.5' };
const FABLE_5: TokenPrices = { input: '10', output: '50', cachedInput: '1', cacheWrite: '12.5' };
const SONNET_5: TokenPrices = { input: '2', output: '10', cachedInput: '0.2', cacheWrite: '2.5' };
const SONNET: TokenPrices = { input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75' };
const HAIKU_45: TokenPrices = { input: '1', output: '5', cachedInput: '0.1', cacheWrite: '1.25' };
const HAIKU_35: TokenPrices = { input: '0.8', output: '4', cachedInput: '0.08', cacheWrite: '1' };
const HAIKU_3: TokenPrices = { input: '0.25', output: '1.25', cachedInput: '0.03', cacheWrite: '0.3' };
/** Sonnet 4 and 4.5 with the 1M-token context: above 200K input, input ×2 and output ×1.5, cache prices ×2. */
const SONNET_LONG: PriceTier = { aboveInputTokens: 200_000, input: '6', output: '22.5', cachedInput: '0.6', cacheWrite: '7.5' };
const SONNET_LONG_NOTE =
  'Long-context tier (above 200K input tokens): from secondary sources (Anthropic\'s "long context pricing" section was not readable here).';
const LONG_CONTEXT_UNMODELLED =
  'Third parties report a long-context premium above 200K input tokens for this model too; not modelled: the base tier applies.';

const CLAUDE_ON_BEDROCK =
  'Claude on Bedrock bills Anthropic\'s list prices (several independent sources agree). Geographic inference profiles (us., eu., jp., …) of Claude 4.5 and later may cost about 10% more than global ones; this entry is the base price: set the deployment\'s prices for such a profile.';

export const PRICING_TABLE: readonly TableEntry[] = [
  // OpenAI (also used for Azure OpenAI deployments; Azure's global-standard prices follow OpenAI's).
  openai('gpt-5', { input: '1.25', output: '10', cachedInput: '0.125' }, 'secondary'),
  openai('gpt-5-mini', { input: '0.25', output: '2', cachedInput: '0.025' }, 'secondary'),
  openai('gpt-5-nano', { input: '0.05', output: '0.4', cachedInput: '0.005' }, 'official', 'Read on https://developers.openai.com/api/docs/models/gpt-5-nano.'),
  openai('gpt-5.1', { input: '1.25', output: '10', cachedInput: '0.125' }, 'unverified', 'Input and output from secondary sources; the cached price is the GPT-5 family\'s 90% discount, not seen on a page.'),
  openai('gpt-5.2', { input: '1.75', output: '14', cachedInput: '0.175' }, 'secondary'),
  openai('gpt-5.4', { input: '2.5', output: '15', cachedInput: '0.25' }, 'secondary', 'Above 272K input tokens OpenAI charges more (reported as 2× input, 1.5× output); not modelled: the base tier applies.'),
  openai('gpt-5.4-mini', { input: '0.75', output: '4.5', cachedInput: '0.075' }, 'secondary'),
  openai('gpt-4.1', { input: '2', output: '8', cachedInput: '0.5' }, 'secondary'),
  openai('gpt-4.1-mini', { input: '0.4', output: '1.6', cachedInput: '0.1' }, 'secondary'),
  openai('gpt-4.1-nano', { input: '0.1', output: '0.4', cachedInput: '0.025' }, 'secondary', 'One third-party catalogue lists the cached price as 0.03; 0.025 (the 4.1 family\'s 75% discount) is what transcriptions of OpenAI\'s page say.'),
  openai('gpt-4o', { input: '2.5', output: '10', cachedInput: '1.25' }, 'secondary'),
  openai('gpt-4o-2024-05-13', { input: '5', output: '15' }, 'secondary', 'The first GPT-4o snapshot keeps its launch price and has no cached-input price.'),
  openai('gpt-4o-mini', { input: '0.15', output: '0.6', cachedInput: '0.075' }, 'secondary'),
  openai('o3', { input: '2', output: '8', cachedInput: '0.5' }, 'secondary', 'Price after OpenAI\'s June 2025 cut (launched at 10 / 40).'),
  openai('o4-mini', { input: '1.1', output: '4.4', cachedInput: '0.275' }, 'secondary'),

  // Anthropic API. Claude models listed as retired on the Claude API are kept while a cloud still sells them.
  // The Claude 5 family, read on 2026-11-26 on Anthropic's pricing page and each model's page (platform.claude.com/docs/
  // en/models/<model>/overview): cache reads are not all 0.1× input there.
  anthropic('claude-fable-5-1', FABLE_51, { asOf: CHECKED_5 }),
  anthropic('claude-mythos-5-1', FABLE_51, { asOf: CHECKED_5, note: 'Limited availability.' }),
  anthropic('claude-fable-5', FABLE_5, { asOf: CHECKED_5 }),
  anthropic('claude-mythos-5', FABLE_5, { asOf: CHECKED_5, note: 'Limited availability.' }),
  anthropic('claude-opus-5-5', OPUS_55, { asOf: CHECKED_5, source: 'https://platform.claude.com/docs/en/models/opus-5-5/overview' }),
  anthropic('claude-opus-5', OPUS_45, { asOf: CHECKED_5 }),
  anthropic('claude-sonnet-5-5', SONNET_5, {
    asOf: CHECKED_5,
    source: 'https://platform.claude.com/docs/en/models/sonnet-5-5/overview',
    note: "Cache reads at 0.20 as the model's page read here says; one third party reports 0.10 from 2026-10-07.",
  }),
  anthropic('claude-sonnet-5', SONNET_5, { asOf: CHECKED_5, source: 'https://platform.claude.com/docs/en/models/sonnet-5/overview' }),
  anthropic('claude-haiku-5-5', { input: '0.1', output: '0.5', cachedInput: '0.01', cacheWrite: '0.125' }, {
    asOf: CHECKED_5,
    verified: 'unverified',
    note: "From one third party (Anthropic's page read here says only \"from $0.10 / $0.50\"): prompts above 100K tokens cost more, not modelled.",
  }),
  anthropic('claude-opus-4-8', OPUS_45),
  anthropic('claude-opus-4-7', OPUS_45),
  anthropic('claude-opus-4-6', OPUS_45, { note: LONG_CONTEXT_UNMODELLED }),
  anthropic('claude-opus-4-5', OPUS_45),
  anthropic('claude-opus-4-1', OPUS_4, { note: 'Retired on the Claude API except on Bedrock and Google Cloud.' }),
  anthropic('claude-opus-4', OPUS_4, { note: 'Retired on the Claude API except on Google Cloud.' }),
  anthropic('claude-sonnet-4-6', SONNET, { note: LONG_CONTEXT_UNMODELLED }),
  anthropic('claude-sonnet-4-5', SONNET, { tiers: [SONNET_LONG], note: SONNET_LONG_NOTE }),
  anthropic('claude-sonnet-4', SONNET, { tiers: [SONNET_LONG], note: SONNET_LONG_NOTE }),
  anthropic('claude-3-7-sonnet', SONNET, { note: 'Deprecated.' }),
  anthropic('claude-haiku-4-5', HAIKU_45),
  anthropic('claude-3-5-haiku', HAIKU_35),
  anthropic('claude-3-opus', OPUS_4, { note: 'Deprecated.' }),
  anthropic('claude-3-haiku', HAIKU_3),

  // Google Gemini API (paid tier). Thinking is billed as output. Audio input costs more than text/image/video on
  // the Flash models (1.00 and 0.30); usage does not say which modality input tokens were, so text prices apply.
  gemini('gemini-2.5-pro', { input: '1.25', output: '10', cachedInput: '0.125' }, {
    tiers: [{ aboveInputTokens: 200_000, input: '2.5', output: '15', cachedInput: '0.25' }],
    note: 'Prompts above 200K tokens are billed at the second tier for the whole request.',
  }),
  gemini('gemini-2.5-flash', { input: '0.3', output: '2.5', cachedInput: '0.03' }),
  gemini('gemini-2.5-flash-lite', { input: '0.1', output: '0.4', cachedInput: '0.01' }),
  gemini('gemini-2.0-flash', { input: '0.1', output: '0.4', cachedInput: '0.025' }, { note: 'Deprecated; announced to retire on 2026-06-01.' }),

  // Amazon Bedrock, on-demand, us-east-1. Keys are Bedrock model ids without version and date suffixes.
  bedrock('anthropic.claude-fable-5', FABLE_5, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-mythos-5', FABLE_5, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-5', OPUS_45, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4-7', OPUS_45, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4-6', OPUS_45, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4-5', OPUS_45, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4-1', OPUS_4, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-opus-4', OPUS_4, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-sonnet-4-6', SONNET, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-sonnet-4-5', SONNET, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-sonnet-4', SONNET, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-3-7-sonnet', SONNET, 'secondary', CLAUDE_ON_BEDROCK),
  bedrock('anthropic.claude-3-5-sonnet', SONNET, 'secondary', `${CLAUDE_ON_BEDROCK} Both 3.5 Sonnet versions (20240620 v1, 20241022 v2).`),
  bedrock('anthropic.claude-haiku-4-5', HAIKU_45, 'secondary', CLAUDE_ON_BEDROCK),
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
