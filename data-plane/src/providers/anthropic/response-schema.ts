import { z } from 'zod';

/**
 * What Anthropic sends back, typed only as far as the adapter reads it: unknown fields are ignored, unknown
 * content-block and event types pass as `{ type }` so future additions are skipped rather than failing a stream.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

const TokenCount = z.number().int().nonnegative().nullish();

export const AnthropicUsage = z.object({
  input_tokens: TokenCount,
  output_tokens: TokenCount,
  cache_creation_input_tokens: TokenCount,
  cache_read_input_tokens: TokenCount,
  /** `cache_creation_input_tokens` by the cache entry's lifetime (`cache_control.ttl`), priced apart. */
  cache_creation: z.object({ ephemeral_5m_input_tokens: TokenCount, ephemeral_1h_input_tokens: TokenCount }).nullish(),
  output_tokens_details: z.object({ thinking_tokens: TokenCount }).nullish(),
  /** What server tools did (`web_search_requests`: searches, billed per search; web fetches cost only tokens). */
  server_tool_use: z.object({ web_search_requests: TokenCount }).nullish(),
  /** The speed the request ran at (`fast`: fast mode, billed at a multiple; `standard`). Read for billing only, so never an error. */
  speed: z.string().nullish().catch(undefined),
  /** Where inference ran (`us`: US-only, billed at a multiple; `global`). Read for billing only, so never an error. */
  inference_geo: z.string().nullish().catch(undefined),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

export const TextBlock = z.object({ type: z.literal('text'), text: z.string() });
export const ThinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().nullish() });
export const RedactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });
export const ToolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });

/** The content blocks the adapter maps; anything else (server tools, citations, future blocks) is skipped. */
export const KNOWN_BLOCK_SCHEMAS = {
  text: TextBlock,
  thinking: ThinkingBlock,
  redacted_thinking: RedactedThinkingBlock,
  tool_use: ToolUseBlock,
} as const;

const AnyBlock = z.looseObject({ type: z.string() });

export const StopReasonFields = {
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
};

/** A whole (non-streamed) message; also the `message` of `message_start`. */
export const AnthropicMessage = z.object({
  id: z.string().optional(),
  model: z.string().optional(),
  content: z.array(AnyBlock),
  ...StopReasonFields,
  usage: AnthropicUsage.optional(),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

export const MessageStartEvent = z.object({ type: z.literal('message_start'), message: AnthropicMessage });
export const ContentBlockStartEvent = z.object({ type: z.literal('content_block_start'), index: z.number().int().nonnegative(), content_block: AnyBlock });
export const ContentBlockDeltaEvent = z.object({
  type: z.literal('content_block_delta'),
  index: z.number().int().nonnegative(),
  delta: AnyBlock,
});
export const ContentBlockStopEvent = z.object({ type: z.literal('content_block_stop'), index: z.number().int().nonnegative() });
export const MessageDeltaEvent = z.object({
  type: z.literal('message_delta'),
  delta: z.object(StopReasonFields),
  usage: AnthropicUsage.nullish(),
});
export const MessageStopEvent = z.object({ type: z.literal('message_stop') });

/** Deltas inside `content_block_delta`, by `delta.type`; others (citations_delta, future ones) are skipped. */
export const KNOWN_DELTA_SCHEMAS = {
  text_delta: z.object({ type: z.literal('text_delta'), text: z.string() }),
  thinking_delta: z.object({ type: z.literal('thinking_delta'), thinking: z.string() }),
  signature_delta: z.object({ type: z.literal('signature_delta'), signature: z.string() }),
  input_json_delta: z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
} as const;

/** The stream events the adapter acts on, by `type`; `ping` and unknown types are skipped, `error` has its own schema. */
export const KNOWN_EVENT_SCHEMAS = {
  message_start: MessageStartEvent,
  content_block_start: ContentBlockStartEvent,
  content_block_delta: ContentBlockDeltaEvent,
  content_block_stop: ContentBlockStopEvent,
  message_delta: MessageDeltaEvent,
  message_stop: MessageStopEvent,
} as const;

export type AnthropicStreamEvent = z.infer<(typeof KNOWN_EVENT_SCHEMAS)[keyof typeof KNOWN_EVENT_SCHEMAS]>;

export const CountTokensResponse = z.object({ input_tokens: z.number().int().nonnegative() });
