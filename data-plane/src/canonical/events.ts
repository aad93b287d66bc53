/**
 * What a provider adapter produces, in order, and what every inbound protocol's encoder consumes.
 *
 * Stream contract (enforced by `defineProvider`):
 * - any number of content events, then exactly one `finish` or one `error`; nothing after it;
 * - a tool call is `tool-call-start`, its `tool-call-delta`s, then `tool-call-end`; calls come one after another
 *   (an adapter whose upstream interleaves parallel calls buffers so they do not), `index` counting from 0;
 * - text, reasoning and tool calls may alternate (a model may think, talk, call a tool, talk again);
 * - failures are events, never throws, so a stream that fails half-way is handled like any other event.
 */
import type { UsageModifiers } from '@tollgate/schema';
import type { ProviderError } from './errors.js';

/**
 * Token counts as the provider reported them. `undefined` means unknown, which is not zero.
 * `inputTokens` is ALL input tokens, including those read from or written to a prompt cache (OpenAI semantics);
 * `cacheReadTokens` and `cacheWriteTokens` are subsets of it, and `cacheWrite1hTokens` (the writes made with a
 * 1-hour lifetime, which Claude bills dearer than its 5-minute ones) a subset of `cacheWriteTokens`.
 * `reasoningTokens` is a subset of `outputTokens`.
 * (Anthropic reports input_tokens without cache reads/writes: its adapter adds them; its encoder subtracts them.)
 */
export interface TokenUsage {
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cacheReadTokens?: number | undefined;
  readonly cacheWriteTokens?: number | undefined;
  readonly cacheWrite1hTokens?: number | undefined;
  readonly reasoningTokens?: number | undefined;
  /**
   * Web searches a provider's server-side search tool made for the request (Anthropic's searches, Gemini's grounding
   * queries), billed per search or per request that searched (the pricing table says which).
   */
  readonly webSearches?: number | undefined;
  /** The processing tier the provider says it served the request at (OpenAI's `service_tier`), which it bills apart. */
  readonly serviceTier?: string | undefined;
  /**
   * The part of `inputTokens` that was audio, cache reads of it included, and the part of `cacheReadTokens` that was
   * (Gemini's `promptTokensDetails`, `cacheTokensDetails`): priced apart where the provider does.
   */
  readonly audioInputTokens?: number | undefined;
  readonly audioCacheReadTokens?: number | undefined;
  /**
   * What the provider reported that changes the price (Anthropic's `speed` and `inference_geo`; see `UsageModifier`),
   * as it reported it. A later event's values win, value by value.
   */
  readonly modifiers?: UsageModifiers | undefined;
}

export type UnifiedFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** A normalised finish reason with the provider's own value kept beside it. */
export interface FinishReason {
  readonly unified: UnifiedFinishReason;
  readonly raw: string | undefined;
  /** Anthropic `stop_sequence`: which stop sequence ended the output, when known. */
  readonly stopSequence?: string;
}

export type StreamEvent =
  /** Upstream metadata, at most once and first when present: the provider's response id and model. */
  | { readonly type: 'response-metadata'; readonly id?: string; readonly model?: string }
  | { readonly type: 'text-delta'; readonly text: string }
  | { readonly type: 'reasoning-delta'; readonly text: string }
  /** Signature of the reasoning so far (Anthropic thinking), to be returned by the client on the next turn. */
  | { readonly type: 'reasoning-signature'; readonly signature: string }
  /** A redacted thinking block, opaque. */
  | { readonly type: 'reasoning-redacted'; readonly data: string }
  | { readonly type: 'tool-call-start'; readonly index: number; readonly id: string; readonly name: string }
  | { readonly type: 'tool-call-delta'; readonly index: number; readonly argumentsDelta: string }
  | { readonly type: 'tool-call-end'; readonly index: number }
  /** Usage known before the end (Anthropic message_start); a later `finish` usage supersedes field by field. */
  | { readonly type: 'usage'; readonly usage: TokenUsage }
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage: TokenUsage }
  | { readonly type: 'error'; readonly error: ProviderError };
