import type { UsageModifiers } from '@tollgate/schema';
import type { TokenUsage } from '../../canonical/events.js';
import type { AnthropicUsage } from './response-schema.js';

/**
 * Anthropic usage → canonical usage. Anthropic's `input_tokens` excludes the tokens read from or written to the
 * prompt cache; canonical `inputTokens` is all input, so they are added back, and kept apart as cache read/write.
 * The writes made with a 1-hour lifetime (`cache_creation.ephemeral_1h_input_tokens`), which cost more than the
 * 5-minute ones, are kept as `cacheWrite1hTokens`; the web searches its server tool made
 * (`server_tool_use.web_search_requests`, billed per search) as `webSearches`; the speed the request ran at and where
 * (`speed`, `inference_geo`: fast mode and US-only inference cost a multiple) as `modifiers`. A field Anthropic left out
 * stays undefined (unknown), never 0.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 * @see https://platform.claude.com/docs/en/build-with-claude/fast-mode
 * @see https://platform.claude.com/docs/en/manage-claude/data-residency
 */
export function convertAnthropicUsage(usage: AnthropicUsage): TokenUsage {
  const input = usage.input_tokens ?? undefined;
  const cacheRead = usage.cache_read_input_tokens ?? undefined;
  const split = anthropicCacheWrites(usage.cache_creation);
  const cacheWrite = usage.cache_creation_input_tokens ?? split?.total;
  const reasoning = usage.output_tokens_details?.thinking_tokens ?? undefined;
  const searches = usage.server_tool_use?.web_search_requests ?? undefined;
  const modifiers = anthropicModifiers(usage);
  return {
    inputTokens: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: usage.output_tokens ?? undefined,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    ...(split !== undefined && { cacheWrite1hTokens: split.oneHour }),
    ...(reasoning !== undefined && { reasoningTokens: reasoning }),
    ...(searches !== undefined && searches > 0 && { webSearches: searches }),
    ...(modifiers !== undefined && { modifiers }),
  };
}

/**
 * What Anthropic's usage says that changes the price: the speed the request ran at (`usage.speed`) and where inference
 * ran (`usage.inference_geo`), as reported; undefined when it says neither.
 */
export function anthropicModifiers(usage: { readonly speed?: unknown; readonly inference_geo?: unknown } | null | undefined): UsageModifiers | undefined {
  const speed = typeof usage?.speed === 'string' ? usage.speed : undefined;
  const inferenceGeo = typeof usage?.inference_geo === 'string' ? usage.inference_geo : undefined;
  if (speed === undefined && inferenceGeo === undefined) return undefined;
  return { ...(speed !== undefined && { speed }), ...(inferenceGeo !== undefined && { inferenceGeo }) };
}

/** Anthropic's cache writes by lifetime, or undefined when it sent no split (older API versions, some clouds). */
export function anthropicCacheWrites(
  split: { readonly ephemeral_5m_input_tokens?: number | null; readonly ephemeral_1h_input_tokens?: number | null } | null | undefined,
): { readonly oneHour: number; readonly total: number } | undefined {
  if (split === null || split === undefined) return undefined;
  const fiveMinutes = split.ephemeral_5m_input_tokens ?? undefined;
  const oneHour = split.ephemeral_1h_input_tokens ?? undefined;
  if (fiveMinutes === undefined && oneHour === undefined) return undefined;
  return { oneHour: oneHour ?? 0, total: (fiveMinutes ?? 0) + (oneHour ?? 0) };
}

/**
 * Usage fields of `message_delta` (cumulative, and in recent API versions repeating the input counts) laid over
 * those of `message_start`: a field the later event leaves out or nulls keeps the earlier value.
 */
export function mergeAnthropicUsage(start: AnthropicUsage | undefined, delta: AnthropicUsage | undefined | null): AnthropicUsage {
  const merged: Record<string, unknown> = { ...start };
  for (const [key, value] of Object.entries(delta ?? {})) if (value !== null && value !== undefined) merged[key] = value;
  return merged as AnthropicUsage;
}
