import type { UsageModifiers } from '@tollgate/schema';
import type { StreamEvent, TokenUsage } from '../canonical/events.js';
import { OutputText } from '../providers/token-estimate.js';
import type { ReportedInput } from '../surfaces/types.js';

/** Usage as reported to the client and recorded in the usage event: every field known (estimated if need be). */
export interface FinalUsage {
  /** All input tokens, including cache reads and writes. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /**
   * The part of `cacheWriteTokens` written with a 1-hour lifetime (Claude), priced apart; absent where the provider
   * reported no such split (every write is then billed at the deployment's one cache-write price).
   */
  readonly cacheWrite1hTokens?: number;
  readonly reasoningTokens: number;
  /**
   * Web searches the provider's server-side search tool made (Anthropic's, OpenAI's, Gemini's grounding queries), billed
   * at the table's search fees.
   */
  readonly webSearches?: number;
  /** Calls of the provider's hosted file search tool (OpenAI's Responses API), billed per call. */
  readonly fileSearches?: number;
  /** The processing tier the provider served the request at (OpenAI's `service_tier`), where it said. */
  readonly serviceTier?: string;
  /** The audio part of the input and of the cache reads (Gemini), where the provider said: priced apart. */
  readonly audioInputTokens?: number;
  readonly audioCacheReadTokens?: number;
  /**
   * What the provider reported that changes the price (Anthropic's fast mode and inference geography, the OpenAI search
   * tool that searched), where it said.
   */
  readonly modifiers?: UsageModifiers;
  /** True when the provider reported no counts and they were estimated locally. */
  readonly estimated: boolean;
}

/**
 * Token counts for one request: what the provider reported (a `usage` event early, the `finish` usage at the end,
 * later values winning field by field), else local estimates, marked `estimated`. A stream that ends early (client
 * abort, mid-stream error) never reports usage, and a provider may report none at all: then the output is counted
 * from the text received (answer, reasoning, tool names and arguments) with the tokenizer, and the prompt with
 * `estimateInputTokens`.
 */
export class Accounting {
  private finished = false;
  /** The answer ended in an error the provider bills (`ProviderError.billed`). */
  private billedError = false;
  private reported: TokenUsage = { inputTokens: undefined, outputTokens: undefined };
  /** The output's text, tokenized only when the provider leaves the output count unknown or the stream is cut short. */
  private readonly output = new OutputText();
  private result: FinalUsage | undefined;

  constructor(private readonly estimateInputTokens: () => number) {}

  /** Feeds one event; returns nothing, reads only counts and output text. */
  observe(event: StreamEvent): void {
    this.result = undefined;
    switch (event.type) {
      case 'text-delta':
        this.output.add(event.text);
        break;
      case 'reasoning-delta':
        this.output.addReasoning(event.text);
        break;
      case 'tool-call-start':
        this.output.add(event.name);
        break;
      case 'tool-call-delta':
        this.output.add(event.argumentsDelta);
        break;
      case 'usage':
        this.reported = merge(this.reported, event.usage);
        break;
      case 'finish':
        this.finished = true;
        this.reported = merge(this.reported, event.usage);
        break;
      case 'error':
        this.billedError = event.error.billed === true;
        break;
      default:
        break;
    }
  }

  /**
   * The counts of an answer that ended in an error before any of it reached the client, when the provider bills such an
   * answer (`ProviderError.billed`: Gemini's blocked prompt, a model's malformed output) and reported them; else
   * undefined, as an upstream that refused without working on the prompt bills nothing. The error ended the answer, so
   * what the provider reported is final: estimated only where it left a count out.
   */
  failedAnswer(): FinalUsage | undefined {
    const r = this.reported;
    if (!this.billedError || (r.inputTokens === undefined && r.outputTokens === undefined)) return undefined;
    return { ...this.final(), estimated: r.inputTokens === undefined || r.outputTokens === undefined };
  }

  /** The input counts the provider has reported so far; undefined while it has said none. */
  reportedInput(): ReportedInput | undefined {
    const r = this.reported;
    if (r.inputTokens === undefined) return undefined;
    return { inputTokens: r.inputTokens, cacheReadTokens: r.cacheReadTokens ?? 0, cacheWriteTokens: r.cacheWriteTokens ?? 0 };
  }

  /** The counts so far (computed once until another event arrives: a surface and the usage event both ask). */
  final(): FinalUsage {
    return (this.result ??= this.compute());
  }

  private compute(): FinalUsage {
    const r = this.reported;
    const estimated = r.inputTokens === undefined || r.outputTokens === undefined || !this.finished;
    let outputTokens = r.outputTokens ?? 0;
    let reasoningTokens = r.reasoningTokens ?? 0;
    if (!this.finished || r.outputTokens === undefined) {
      // Output counts reported before the end (Anthropic's message_start says 1) are provisional: a stream cut short
      // has produced at least what it delivered.
      const counted = this.output.count();
      outputTokens = Math.max(outputTokens, counted.outputTokens);
      reasoningTokens = Math.max(reasoningTokens, counted.reasoningTokens);
    }
    return {
      inputTokens: r.inputTokens ?? this.estimateInputTokens(),
      outputTokens,
      cacheReadTokens: r.cacheReadTokens ?? 0,
      cacheWriteTokens: r.cacheWriteTokens ?? 0,
      ...(r.cacheWrite1hTokens !== undefined && { cacheWrite1hTokens: r.cacheWrite1hTokens }),
      reasoningTokens,
      ...(r.serviceTier !== undefined && { serviceTier: r.serviceTier }),
      ...(r.webSearches !== undefined && { webSearches: r.webSearches }),
      ...(r.audioInputTokens !== undefined && { audioInputTokens: r.audioInputTokens }),
      ...(r.audioCacheReadTokens !== undefined && { audioCacheReadTokens: r.audioCacheReadTokens }),
      ...(r.modifiers !== undefined && { modifiers: r.modifiers }),
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
    cacheWrite1hTokens: b.cacheWrite1hTokens ?? a.cacheWrite1hTokens,
    reasoningTokens: b.reasoningTokens ?? a.reasoningTokens,
    serviceTier: b.serviceTier ?? a.serviceTier,
    webSearches: b.webSearches ?? a.webSearches,
    audioInputTokens: b.audioInputTokens ?? a.audioInputTokens,
    audioCacheReadTokens: b.audioCacheReadTokens ?? a.audioCacheReadTokens,
    modifiers: a.modifiers === undefined || b.modifiers === undefined ? (b.modifiers ?? a.modifiers) : { ...a.modifiers, ...b.modifiers },
  };
}
