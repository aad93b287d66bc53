import type { ProviderError } from '../../canonical/errors.js';
import type { Exchange } from '../../http/exchange.js';
import type { HttpError } from '../../http/errors.js';
import { anthropicErrorStatus } from '../../providers/anthropic/anthropic-error.js';
import { anthropicCacheWrites, anthropicModifiers } from '../../providers/anthropic/convert-usage.js';
import { upstreamJson } from '../../providers/drop-params.js';
import type { ProviderTarget } from '../../providers/types.js';
import { answerUsage, boundaryAfter, eventJson, LF, startsWith } from '../forward/bytes.js';
import { forwardRequest, type Forwardable, type ForwardResult, type ReportedUsage, type StreamScanner, type UpstreamHeaders } from '../forward/forwarder.js';
import { items, record } from '../forward/output.js';
import type { OutputText } from '../../providers/token-estimate.js';
import type { ForwardCall } from '../types.js';
import { forwardedAnthropicError } from './errors.js';

const MESSAGE_START = Buffer.from('event: message_start');
const MESSAGE_DELTA = Buffer.from('event: message_delta');
const MESSAGE_STOP = Buffer.from('event: message_stop');
const CONTENT_BLOCK_DELTA = Buffer.from('event: content_block_delta');
const ERROR_EVENT = Buffer.from('event: error');

/**
 * An Anthropic Messages body as the client sent it (but for thinking Anthropic did not write,
 * `withoutForeignThinking`), plus what the forwarder must know about it.
 */
export interface ForwardedMessages {
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** The client's headers Anthropic should see too (`anthropic-beta`). */
  readonly clientHeaders: Readonly<Record<string, string>> | undefined;
  /** Local estimate of prompt tokens, for a stream that ends before the provider reports usage. */
  readonly estimateInputTokens: () => number;
}

/**
 * The fast path for Anthropic Messages to an `anthropic` deployment (see `forward/forwarder.ts`): the client's body
 * goes upstream with only `model` set, its beta flags with it, and the answer's bytes come back untouched. So
 * whatever the canonical form does not model reaches the client as Anthropic sent it: server tools' blocks
 * (`server_tool_use`, `web_search_tool_result`), citations, new block and delta types.
 */
export function forwardAnthropicMessages(ex: Exchange, messages: ForwardedMessages, call: ForwardCall): Promise<ForwardResult> {
  return forwardRequest(ex, new MessagesForwarding(messages), call);
}

class MessagesForwarding implements Forwardable {
  readonly protocol = 'anthropic-messages' as const;
  readonly stream: boolean;
  readonly clientHeaders: Readonly<Record<string, string>> | undefined;

  constructor(private readonly messages: ForwardedMessages) {
    this.stream = messages.stream;
    this.clientHeaders = messages.clientHeaders;
  }

  upstreamBody(target: ProviderTarget): string {
    return upstreamJson(target, { ...this.messages.body, model: target.providerModel });
  }

  usageOfJson(body: Buffer): ReportedUsage | undefined {
    const usage = usageOfMessage(body);
    return reportedUsage(usage, usage);
  }

  streamScanner(): StreamScanner {
    return new MessagesStreamScanner();
  }

  estimateInputTokens(): number {
    return this.messages.estimateInputTokens();
  }

  /** A block's start (a tool's name) and its deltas: text, thinking (reasoning), a tool's input JSON. */
  outputOfEvent(event: unknown, out: OutputText): void {
    const e = record(event);
    if (e?.type === 'content_block_start') {
      blockOutput(e.content_block, out, false);
    } else if (e?.type === 'content_block_delta') {
      const delta = record(e.delta);
      out.add(delta?.text);
      out.addReasoning(delta?.thinking);
      out.add(delta?.partial_json);
    }
  }

  /** A whole message's content blocks. */
  outputOfAnswer(answer: unknown, out: OutputText): void {
    for (const block of items(record(answer)?.content)) blockOutput(block, out, true);
  }

  /** Anthropic's own error, as Anthropic sent it (see `forwardedAnthropicError`). */
  clientError(error: ProviderError, body: string, headers: UpstreamHeaders, status: number): HttpError {
    const shouldRetry = headers['x-should-retry'];
    return forwardedAnthropicError(error, body, Array.isArray(shouldRetry) ? shouldRetry[0] : shouldRetry, status);
  }
}

/**
 * Reads a Messages stream: `event:` lines name each event, so only `message_start` (input and cache counts),
 * `message_delta` (output count, cumulative) and `error` are parsed; `message_stop` ends it. The answer begins with
 * the first `content_block_delta`: `message_start`, `ping` and the opening `content_block_start` are held back, so a
 * stream that fails before its first delta can go to another deployment unnoticed. An `error` event's type is the
 * status Anthropic would have answered with (`overloaded_error`: 529), so such a failure is the same to the client
 * and to routing as that error response.
 */
class MessagesStreamScanner implements StreamScanner {
  end = 0;
  done = false;
  failure: string | undefined;
  failedAs: { status: number; body: string } | undefined;
  reported: ReportedUsage | undefined;
  started = false;
  private input: AnthropicUsageJson | undefined;

  scan(data: Buffer): Buffer {
    let start = 0;
    for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, nl + 1)) {
      const next = boundaryAfter(data, nl);
      if (next === -1) continue;
      const end = nl;
      if (startsWith(data, start, end, CONTENT_BLOCK_DELTA)) {
        this.started = true;
      } else if (startsWith(data, start, end, MESSAGE_START)) {
        this.input = eventJson<{ message?: { usage?: AnthropicUsageJson } }>(data.subarray(start, end))?.message?.usage;
        this.reported = reportedUsage(this.input, undefined) ?? this.reported;
      } else if (startsWith(data, start, end, MESSAGE_DELTA)) {
        const usage = eventJson<{ usage?: AnthropicUsageJson }>(data.subarray(start, end))?.usage;
        this.reported = reportedUsage(this.input, usage) ?? this.reported;
      } else if (startsWith(data, start, end, MESSAGE_STOP)) {
        this.done = true;
      } else if (startsWith(data, start, end, ERROR_EVENT)) {
        const event = eventJson<{ error?: { type?: string; message?: string } }>(data.subarray(start, end));
        this.failure = event?.error?.message ?? 'upstream error';
        if (typeof event?.error?.type === 'string') this.failedAs = { status: anthropicErrorStatus(event.error.type), body: JSON.stringify(event) };
      }
      start = next;
      nl = start - 1;
    }
    this.end = start;
    return data.subarray(0, start);
  }

  /** With the request's id, as every error Anthropic clients get from the gateway (`anthropicErrorBody`). */
  errorTail(message: string, requestId: string): string {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message }, request_id: requestId })}\n\n`;
  }
}

/**
 * The output text of a content block: text, thinking (reasoning), a tool call's name (client or server tool) and,
 * in a whole message, its input (a stream's block starts with an empty input; its deltas carry it).
 */
function blockOutput(value: unknown, out: OutputText, withInput: boolean): void {
  const block = record(value);
  if (block === undefined) return;
  out.add(block.text);
  out.addReasoning(block.thinking);
  if (block.type === 'tool_use' || block.type === 'server_tool_use') {
    out.add(block.name);
    if (withInput && block.input !== undefined) out.add(JSON.stringify(block.input));
  }
}

interface AnthropicUsageJson {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** The cache writes by lifetime: 1-hour writes cost more than 5-minute ones. */
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
  /** Thinking tokens, a part of `output_tokens`. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  /** Searches the web search server tool made, billed per search (cumulative in `message_delta`). */
  server_tool_use?: { web_search_requests?: number | null } | null;
  /** The speed the request ran at (`fast`: fast mode, billed at a multiple) and where inference ran (`us`: US-only). */
  speed?: string | null;
  inference_geo?: string | null;
}

/**
 * Anthropic's counts in the gateway's terms: `input_tokens` leaves out cache reads and writes, which the gateway's
 * input count includes. `input` has the input side (a whole message's usage, or `message_start`'s); `output` the
 * output count (the whole message's, or `message_delta`'s, cumulative; newer API versions repeat the input side
 * there, and those later values win). `message_start`'s own output count is a placeholder, so a stream has none
 * until its `message_delta`. The cache writes' split by lifetime (`cache_creation`) comes with `message_start`
 * (`message_delta` repeats only the totals) and keeps the 1-hour writes apart, to be billed at their own price. The
 * speed and inference geography (`speed`, `inference_geo`: fast mode and US-only inference cost a multiple) are
 * `message_start`'s unless `message_delta` says them again.
 */
function reportedUsage(input: AnthropicUsageJson | undefined, output: AnthropicUsageJson | undefined): ReportedUsage | undefined {
  if (input === undefined && output === undefined) return undefined;
  const pick = (field: 'input_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens'): number | undefined => output?.[field] ?? input?.[field] ?? undefined;
  const split = anthropicCacheWrites(output?.cache_creation ?? input?.cache_creation);
  const uncached = pick('input_tokens');
  const cacheWrite = pick('cache_creation_input_tokens') ?? split?.total ?? 0;
  const cacheRead = pick('cache_read_input_tokens') ?? 0;
  const searches = output?.server_tool_use?.web_search_requests ?? input?.server_tool_use?.web_search_requests ?? undefined;
  const modifiers = anthropicModifiers({ speed: output?.speed ?? input?.speed, inference_geo: output?.inference_geo ?? input?.inference_geo });
  return {
    inputTokens: uncached === undefined ? undefined : uncached + cacheWrite + cacheRead,
    outputTokens: output?.output_tokens ?? undefined,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    ...(split !== undefined && { cacheWrite1hTokens: split.oneHour }),
    reasoningTokens: output?.output_tokens_details?.thinking_tokens ?? undefined,
    ...(searches !== undefined && searches > 0 && { webSearches: searches }),
    ...(modifiers !== undefined && { modifiers }),
  };
}

/** The `usage` of a whole message (see `answerUsage`). */
function usageOfMessage(bytes: Buffer): AnthropicUsageJson | undefined {
  return answerUsage<AnthropicUsageJson>(bytes, (usage) => typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number');
}
