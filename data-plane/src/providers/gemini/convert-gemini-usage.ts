import type { TokenUsage } from '../../canonical/events.js';
import type { GeminiUsageMetadata } from './response-schema.js';

/**
 * Gemini `usageMetadata` → canonical usage.
 * - `promptTokenCount` already includes cached tokens; `cachedContentTokenCount` is the subset read from the cache
 *   (as canonical cache reads are). Gemini has no cache writes to report.
 * - `toolUsePromptTokenCount` (what built-in tools such as search grounding or code execution fed back to the model)
 *   is input the model read and is billed as input, but is not in `promptTokenCount`: it is added.
 * - Gemini counts thinking apart from the answer: output is candidates + thoughts, reasoning is the thoughts.
 * - Gemini's JSON is proto3 JSON, which omits fields whose value is zero: inside a `usageMetadata` an absent count
 *   is 0 (no cached tokens, no thoughts, or no output because it was blocked). Without any `usageMetadata` nothing is
 *   known and everything stays undefined.
 * - `webSearches` are the Google Search queries grounding ran (`WebSearchQueries`, read from the candidates, not
 *   from `usageMetadata`), billed per query or per grounded prompt; none: left out.
 * - Audio input costs more than other input on the Flash models: the prompt's `AUDIO` tokens (`promptTokensDetails`,
 *   cached ones included) are kept as `audioInputTokens`, the cached content's (`cacheTokensDetails`) as
 *   `audioCacheReadTokens`; a prompt without audio leaves both out.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function convertGeminiUsage(usage: GeminiUsageMetadata | undefined, webSearches = 0): TokenUsage {
  const searches = webSearches > 0 ? { webSearches } : {};
  if (!usage) return { inputTokens: undefined, outputTokens: undefined, ...searches };
  const thoughts = usage.thoughtsTokenCount ?? 0;
  const audio = audioTokens(usage.promptTokensDetails);
  const cachedAudio = audioTokens(usage.cacheTokensDetails);
  return {
    inputTokens: (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0),
    outputTokens: (usage.candidatesTokenCount ?? 0) + thoughts,
    cacheReadTokens: usage.cachedContentTokenCount ?? 0,
    reasoningTokens: thoughts,
    ...(audio > 0 && { audioInputTokens: audio }),
    ...(cachedAudio > 0 && { audioCacheReadTokens: cachedAudio }),
    ...searches,
  };
}

/** The `AUDIO` tokens of a list of modality counts. */
function audioTokens(details: GeminiUsageMetadata['promptTokensDetails']): number {
  let audio = 0;
  for (const d of details ?? []) if (d.modality === 'AUDIO') audio += d.tokenCount ?? 0;
  return audio;
}
