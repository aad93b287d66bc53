import type { StreamEvent, TokenUsage } from '../canonical/events.js';

/** Usage as reported to the client and recorded in the usage event: every field known (estimated if need be). */
export interface FinalUsage {
  /** All input tokens, including cache reads and writes. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly reasoningTokens: number;
  /** True when the provider reported no counts and they were estimated locally. */
  readonly estimated: boolean;
}

/**
 * Token counts for one request: what the provider reported (a `usage` event early, the `finish` usage at the end,
 * later values winning field by field), else local estimates. A stream that ends early (client abort, mid-stream
 * error) never reports usage, so its output is counted as one token per content delta received, which is how
 * OpenAI-compatible upstreams stream.
 */
export class Accounting {
  private deltas = 0;
  private finished = false;
  private reported: TokenUsage = { inputTokens: undefined, outputTokens: undefined };

  constructor(private readonly estimateInputTokens: () => number) {}

  /** Feeds one event; returns nothing, reads only counts. */
  observe(event: StreamEvent): void {
    switch (event.type) {
      case 'text-delta':
      case 'reasoning-delta':
      case 'tool-call-delta':
        this.deltas++;
        break;
      case 'usage':
        this.reported = merge(this.reported, event.usage);
        break;
      case 'finish':
        this.finished = true;
        this.reported = merge(this.reported, event.usage);
        break;
      default:
        break;
    }
  }

  final(): FinalUsage {
    const r = this.reported;
    const estimated = r.inputTokens === undefined || r.outputTokens === undefined || !this.finished;
    // Output counts reported before the end (Anthropic's message_start says 1) are provisional: a stream cut short
    // has produced at least as many tokens as deltas received.
    const outputTokens = this.finished ? (r.outputTokens ?? this.deltas) : Math.max(r.outputTokens ?? 0, this.deltas);
    return {
      inputTokens: r.inputTokens ?? this.estimateInputTokens(),
      outputTokens,
      cacheReadTokens: r.cacheReadTokens ?? 0,
      cacheWriteTokens: r.cacheWriteTokens ?? 0,
      reasoningTokens: r.reasoningTokens ?? 0,
      estimated,
    };
  }
}

function merge(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: b.inputTokens ?? a.inputTokens,
    outputTokens: b.outputTokens ?? a.outputTokens,
    cacheReadTokens: b.cacheReadTokens ?? a.cacheReadTokens,
    cacheWriteTokens: b.cacheWriteTokens ?? a.cacheWriteTokens,
    reasoningTokens: b.reasoningTokens ?? a.reasoningTokens,
  };
}
