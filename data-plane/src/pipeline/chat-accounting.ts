import type { TokenUsage } from '../providers/types.js';

/**
 * Token counts for the usage event: what the provider reported, else local estimates. A stream that ends early
 * (client abort, mid-stream error) never reports usage, so the partial completion is counted as one token per
 * delta received, which is how OpenAI-compatible upstreams stream (and exactly how the mock counts).
 */
export class ChatAccounting {
  deltas = 0;
  reported: TokenUsage | undefined;

  constructor(private readonly estimatePromptTokens: () => number) {}

  get promptTokens(): number {
    return this.reported?.inputTokens ?? this.estimatePromptTokens();
  }

  get completionTokens(): number {
    return this.reported?.outputTokens ?? this.deltas;
  }
}
