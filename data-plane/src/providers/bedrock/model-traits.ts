/**
 * What Converse accepts from each model family, in one table: whether ConverseStream takes a `toolConfig`, and which
 * `toolConfig.toolChoice` members the model takes. Bedrock refuses the whole request otherwise:
 *
 * - streaming tool use: "This model doesn't support tool use in streaming mode." (ValidationException) for the
 *   families AWS's "Supported models and model features" table marks "Streaming tool use: No" although they use tools
 *   with Converse: Meta Llama 3.1 and later (Llama 4 included), Mistral AI (Large, Small), Cohere Command R / R+,
 *   DeepSeek (earendil-works/pi#3739, obot-platform/obot#4101). Those calls go to Converse and the whole answer is replayed
 *   as the stream's events (`call.ts`), as LiteLLM does.
 * - tool choice: "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and
 *   try again." AWS's ToolChoice reference: `tool` "Only supported by Anthropic Claude 3 and Amazon Nova models"; the
 *   earlier text had ToolChoice "only supported by Anthropic Claude 3 models and by Mistral AI Mistral Large" (which
 *   takes `any`, not `tool`). Other families get no toolChoice (`auto` is Converse's default anyway) and a request that
 *   must call a tool is asked to in the system prompt instead (`canonical-to-converse.ts`).
 *
 * A model the table does not know (newer families, application inference profile ARNs, which do not name their model)
 * is sent everything as asked, as before: the table only ever takes away what a family is known to refuse.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolChoice.html
 */

export type ToolChoiceMember = 'auto' | 'any' | 'tool';

export interface BedrockModelTraits {
  /** ConverseStream takes a request with a `toolConfig`. */
  readonly streamsToolUse: boolean;
  /** The `toolConfig.toolChoice` members the model takes. */
  readonly toolChoice: ReadonlySet<ToolChoiceMember>;
}

/**
 * Converse's own range for `inferenceConfig.temperature` and `topP`, whatever the model ("Valid Range: Minimum value
 * of 0. Maximum value of 1."; anything else is a ValidationException before any model sees it). OpenAI clients send
 * temperatures up to 2: they are clamped, as for Claude on Anthropic's API.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InferenceConfiguration.html
 */
export const SAMPLING_RANGE = { min: 0, max: 1 } as const;

const ALL: ReadonlySet<ToolChoiceMember> = new Set(['auto', 'any', 'tool']);
const ANY_ONLY: ReadonlySet<ToolChoiceMember> = new Set(['auto', 'any']);
const NONE: ReadonlySet<ToolChoiceMember> = new Set();

const UNKNOWN: BedrockModelTraits = { streamsToolUse: true, toolChoice: ALL };

/** By the foundation model id (`foundationModelId`), first match wins. */
const TRAITS: readonly (readonly [RegExp, BedrockModelTraits])[] = [
  [/^anthropic\./, { streamsToolUse: true, toolChoice: ALL }],
  [/^amazon\.nova/, { streamsToolUse: true, toolChoice: ALL }],
  [/^meta\.llama/, { streamsToolUse: false, toolChoice: NONE }],
  [/^mistral\.mistral-large/, { streamsToolUse: false, toolChoice: ANY_ONLY }],
  [/^mistral\./, { streamsToolUse: false, toolChoice: NONE }],
  [/^cohere\./, { streamsToolUse: false, toolChoice: NONE }],
  [/^deepseek\./, { streamsToolUse: false, toolChoice: NONE }],
  [/^ai21\.jamba-instruct/, { streamsToolUse: false, toolChoice: NONE }],
  [/^ai21\./, { streamsToolUse: true, toolChoice: NONE }],
];

export function bedrockModelTraits(modelId: string): BedrockModelTraits {
  const id = foundationModelId(modelId);
  return TRAITS.find(([pattern]) => pattern.test(id))?.[1] ?? UNKNOWN;
}

/** `…:foundation-model/X` and `…:inference-profile/X` ARNs name their model after the slash. */
const MODEL_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:(?:foundation-model|inference-profile)\/(.+)$/;
/** A cross-Region inference profile's geography before the model id: `us.`, `eu.`, `apac.`, `jp.`, `us-gov.`, `global.`… */
const PROFILE_PREFIX = /^(?:[a-z]{2}|apac|us-gov|global)\.(?=[a-z0-9-]+\.)/;

/** The foundation model behind a model id, inference profile id or ARN (`us.meta.llama4-…` → `meta.llama4-…`). */
export function foundationModelId(modelId: string): string {
  return (MODEL_ARN.exec(modelId)?.[1] ?? modelId).replace(PROFILE_PREFIX, '');
}
