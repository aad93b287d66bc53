import type { Exchange } from '../../http/exchange.js';
import { azureMaxTokensField } from '../../providers/azure/api.js';
import { upstreamJson } from '../../providers/drop-params.js';
import { outputTokens } from '../../providers/openai/convert-usage.js';
import { statedStreamErrorStatus } from '../../providers/openai/errors.js';
import { OpenAiErrorObject } from '../../providers/openai/wire.js';
import { developerAsSystem, takesDeveloperRole } from '../../providers/openai/developer-role.js';
import type { ProviderTarget } from '../../providers/types.js';
import { answerUsage, boundaryAfter, DATA_FIELD, eventJson, isDataLine, LF, startsWith } from '../forward/bytes.js';
import { forwardRequest, type Forwardable, type ForwardResult, type ReportedUsage, type StreamScanner } from '../forward/forwarder.js';
import { withServedTier } from '../forward/service-tier.js';
import { items, record } from '../forward/output.js';
import { choicesAsked } from '../../governance/govern.js';
import type { OutputText } from '../../providers/token-estimate.js';
import type { ForwardCall } from '../types.js';
import type { FinalUsage } from '../../pipeline/accounting.js';
import { openAiUsage } from './usage.js';

const DONE = Buffer.from('[DONE]');
/** The tail of `"usage":{`: the search starts with `g`, rare in SSE JSON, instead of `"`, which is everywhere. */
const USAGE_OBJECT_TAIL = Buffer.from('ge":{');
const EMPTY_CHOICES = Buffer.from('"choices":[]');
/**
 * The same in JSON written with a space after each colon (Python's `json.dumps` default: mlx_lm.server and other
 * Python servers), told from the stream's first event (`STYLE`).
 */
const SPACED = { usageTail: Buffer.from('ge": {'), emptyChoices: Buffer.from('"choices": []') };
const COMPACT = { usageTail: USAGE_OBJECT_TAIL, emptyChoices: EMPTY_CHOICES };
const COLON_SPACE = Buffer.from('": ');
const ERROR_EVENT = Buffer.from('{"error"');
/** An `error` member anywhere in a chunk (OpenRouter's error chunk begins with its `id`). */
const ERROR_MEMBER = Buffer.from('"error":');
/** A choice's finish: the stream is complete when it ends after one, `[DONE]` or not. */
const FINISH_REASON = Buffer.from('h_reason":');

/**
 * An OpenAI chat (or legacy completions) body as the client sent it, plus what the forwarder must know about it.
 * Both protocols frame streams the same way (`data:` events, a usage chunk with empty `choices`, `[DONE]`).
 */
export interface ForwardedChat {
  /** Which OpenAI endpoint the body is for; default chat completions. */
  readonly protocol?: 'openai-chat' | 'openai-completions';
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** Whether the client itself asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** Local estimate of prompt tokens, for a stream that ends before the provider reports usage. */
  readonly estimateInputTokens: () => number;
}

/**
 * The fast path for OpenAI chat and legacy completions (see `forward/forwarder.ts`): the client's body goes upstream
 * with only `model` set, and `stream_options.include_usage` so usage is always known; the usage chunk asked for on
 * the client's behalf is withheld from it. `developer` messages go as `system` to deployments that refuse the role
 * (`takesDeveloperRole`: OpenAI-compatible servers such as DeepSeek's), and `max_completion_tokens` as `max_tokens` to
 * Azure api-versions that know only that.
 */
export function forwardOpenAiChat(ex: Exchange, chat: ForwardedChat, call: ForwardCall): Promise<ForwardResult> {
  return forwardRequest(ex, new ChatForwarding(chat), call);
}

class ChatForwarding implements Forwardable {
  readonly protocol: 'openai-chat' | 'openai-completions';
  readonly stream: boolean;

  constructor(private readonly chat: ForwardedChat) {
    this.protocol = chat.protocol ?? 'openai-chat';
    this.stream = chat.stream;
  }

  upstreamBody(target: ProviderTarget, streamOptions: boolean): string {
    const body: Record<string, unknown> = { ...this.chat.body, model: target.providerModel };
    if (this.protocol === 'openai-chat' && !takesDeveloperRole(target)) body.messages = developerAsSystem(body.messages);
    // Azure api-versions from before `max_completion_tokens` refuse the whole request for it (azureMaxTokensField).
    if (body.max_completion_tokens !== undefined && target.provider === 'azure' && azureMaxTokensField(target) === 'max_tokens') {
      body.max_tokens ??= body.max_completion_tokens;
      delete body.max_completion_tokens;
    }
    if (this.chat.stream && streamOptions) {
      const options = (typeof this.chat.body.stream_options === 'object' && this.chat.body.stream_options) || {};
      body.stream_options = { ...options, include_usage: true };
    } else if (this.chat.stream) {
      // The deployment would refuse the whole request for them (providers/openai/stream-options.ts): its usage is
      // what it reports unasked, else counted here.
      delete body.stream_options;
    }
    return upstreamJson(target, body);
  }

  usageOfJson(body: Buffer): ReportedUsage | undefined {
    return withServedTier(reportedUsage(usageOfJson(body)), body, () => eventJson<{ service_tier?: unknown }>(body)?.service_tier);
  }

  /** Sent without `stream_options` to a client that asked for the usage chunk: the gateway writes it. */
  streamScanner(streamOptions: boolean): StreamScanner {
    return new ChatStreamScanner(this.chat.includeUsage, !streamOptions && this.chat.includeUsage ? this.protocol : undefined, choicesAsked(this.chat.body));
  }

  estimateInputTokens(): number {
    return this.chat.estimateInputTokens();
  }

  /** A chunk's choices: their `delta` (chat) or `text` (legacy completions). */
  outputOfEvent(event: unknown, out: OutputText): void {
    for (const choice of items(record(event)?.choices)) {
      if (this.protocol === 'openai-completions') out.add(record(choice)?.text);
      else messageOutput(record(choice)?.delta, out);
    }
  }

  /** A whole answer's choices: their `message` (chat) or `text` (legacy completions). */
  outputOfAnswer(answer: unknown, out: OutputText): void {
    for (const choice of items(record(answer)?.choices)) {
      if (this.protocol === 'openai-completions') out.add(record(choice)?.text);
      else messageOutput(record(choice)?.message, out);
    }
  }
}

/**
 * The output text of a chat message or delta: its content (a string, or parts), refusal, tool calls' (and the
 * legacy function call's) names and arguments or input; reasoning as compatible servers send it
 * (`reasoning_content`: vLLM, DeepSeek; `reasoning`: OpenRouter, Ollama).
 */
function messageOutput(value: unknown, out: OutputText): void {
  const message = record(value);
  if (message === undefined) return;
  if (Array.isArray(message.content)) for (const part of message.content) out.add(record(part)?.text);
  else out.add(message.content);
  out.add(message.refusal);
  out.addReasoning(message.reasoning_content);
  out.addReasoning(message.reasoning);
  for (const call of items(message.tool_calls)) {
    const c = record(call);
    // A function call has `function: {name, arguments}`; a custom tool's call `custom: {name, input}`.
    const fn = record(c?.function) ?? record(c?.custom);
    out.add(fn?.name);
    out.add(fn?.arguments);
    out.add(fn?.input);
  }
  const legacy = record(message.function_call);
  out.add(legacy?.name);
  out.add(legacy?.arguments);
}

/**
 * Reads a chat stream: `data:` events, the usage chunk (empty `choices`, cut out when the client did not ask for
 * it), an error event (`data: {"error":…}`) and `[DONE]`, each found by byte search. The usage object is found by
 * searching `ge":{` and checking the four bytes before it (a needle starting with `"`, which is everywhere in JSON,
 * makes Buffer search 9× slower); boundaries by `indexOf(0x0a)` (memchr) instead of a two-byte needle.
 */
class ChatStreamScanner implements StreamScanner {
  end = 0;
  done = false;
  failure: string | undefined;
  failedAs: { status: number; body: string } | undefined;
  reported: ReportedUsage | undefined;
  started = false;
  /** A chunk with a non-null `finish_reason` passed (see `unterminated`). */
  private finished = false;
  /** How the upstream writes its JSON, from its first event (see `SPACED`). */
  private style: typeof COMPACT | undefined;
  /** The first chunk's id, created and model, for the usage chunk the gateway writes. */
  private first: ChunkHead | undefined;

  constructor(
    private readonly includeUsage: boolean,
    /** Set when the gateway ends the stream itself (`closing`): the protocol whose usage chunk it writes. */
    private readonly closesAs?: 'openai-chat' | 'openai-completions',
    /** Choices the stream carries (`n`, `best_of`, prompts; see `unterminated`). */
    private readonly choices = 1,
  ) {}

  scan(data: Buffer): Buffer {
    const style = (this.style ??= jsonStyle(data)) ?? COMPACT;
    let start = 0;
    // Where the last two complete events of this read begin: a choice's finish is among the last two.
    let last = 0;
    let beforeLast = 0;
    let runStart = 0;
    let out: Buffer[] | undefined;
    let usageAt = findUsageObject(data, 0, style.usageTail);
    // Event boundaries are blank lines. A byte search for '\n' (memchr) is several times cheaper than searching
    // for the two-byte sequence, and JSON data lines hold no raw newlines, so nearly every hit is a boundary.
    for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, nl + 1)) {
      const next = boundaryAfter(data, nl);
      if (next === -1) continue;
      const end = nl;
      let skip = false;
      if (isDataLine(data, start, end, DONE)) {
        // The finish is among the two events before it when they came in this read (else an earlier read saw it).
        if (!this.finished) this.finish(data, beforeLast, start);
        this.done = true;
        // Held back: the usage chunk goes before it (`closing`).
        skip = this.closesAs !== undefined;
      } else if (isDataLine(data, start, end, ERROR_EVENT)) {
        const event = eventJson<{ error?: unknown }>(data.subarray(start, end));
        this.failure = errorMessage(event);
        this.failedAs ??= failedAs(event);
      } else if (usageAt !== -1 && usageAt < end) {
        // The finish is in this chunk or the one before (servers that send more chunks after usage and no `[DONE]`).
        if (!this.finished) this.finish(data, last, end);
        const event = data.subarray(start, end);
        const chunk = eventJson<{ usage?: OpenAiUsageJson | null; service_tier?: unknown }>(event);
        this.reported = withServedTier(reportedUsage(chunk?.usage ?? undefined), event, () => chunk?.service_tier) ?? this.reported;
        // The usage-only chunk we asked for on the client's behalf: not theirs to see.
        skip = !this.includeUsage && event.indexOf(style.emptyChoices) !== -1;
        // Servers that put usage on every chunk (vLLM's continuous_usage_stats): content all the same.
        if (!skip && !this.started && !beforeAnswer(data, start, end)) this.started = true;
      } else if (data[start] !== 0x3a /* : */) {
        // (A comment, `: OPENROUTER PROCESSING` or a keep-alive, is nothing of the answer.)
        if (this.closesAs !== undefined && this.first === undefined) this.first = eventJson<ChunkHead>(data.subarray(start, end)) ?? {};
        // Until the answer begins each event is checked for more than the opening role (only the first one or two),
        // and for an error in a chunk (OpenRouter's, with `finish_reason: "error"`): a failure before the answer,
        // which the router may retry.
        if (!this.started && !this.failedBeforeAnswer(data, start, end) && !beforeAnswer(data, start, end)) this.started = true;
      }
      if (usageAt !== -1 && usageAt < next) usageAt = findUsageObject(data, next, style.usageTail);
      if (skip) {
        (out ??= []).push(data.subarray(runStart, start));
        runStart = next;
      }
      beforeLast = last;
      last = start;
      start = next;
      nl = next - 1;
    }
    this.end = start;
    if (!this.finished && !this.done && start > 0) this.finish(data, beforeLast, start);
    if (out === undefined) return data.subarray(0, start);
    out.push(data.subarray(runStart, start));
    return Buffer.concat(out);
  }

  /** Whether data[start, end) is a chunk carrying an `error` (kept as the stream's failure). */
  private failedBeforeAnswer(data: Buffer, start: number, end: number): boolean {
    const event = data.subarray(start, end);
    if (event.indexOf(ERROR_MEMBER) === -1) return false;
    const chunk = eventJson<{ error?: unknown }>(event);
    if (chunk?.error == null || chunk.error === '') return false;
    this.failure = errorMessage(chunk);
    this.failedAs ??= failedAs(chunk);
    return true;
  }

  errorTail(message: string): string {
    return `data: ${JSON.stringify({ error: { message, type: 'api_error', param: null, code: 'upstream_error' } })}\n\n`;
  }

  /**
   * Looks for the choice's finish in data[from, end): once found, the stream is `finished`; one that says the answer
   * failed (vLLM's `abort`, OpenRouter's and Mistral's `error`) is the stream's failure, forwarded as sent (the client
   * reads the finish) but recorded as an error, and retried as one when nothing of the answer went out before it.
   */
  private finish(data: Buffer, from: number, end: number): void {
    const reason = finishReason(data, from, end);
    if (reason === undefined) return;
    this.finished = true;
    if (reason === 'abort' || reason === 'error') this.failure ??= `the provider ended the answer with finish_reason ${reason}`;
  }

  /**
   * A stream that ended after its choice finished but without `[DONE]` (ik_llama.cpp, TGI before 2.2, llama-box) is
   * complete: the client gets the `[DONE]` it did not (with the gateway's usage chunk first, when it writes one).
   * With several choices, one choice's finish says nothing of the others': such a stream is complete only when its
   * usage came too, which a server sends after every choice finished.
   */
  unterminated(): string | undefined {
    if (!this.finished || (this.choices > 1 && this.reported === undefined)) return undefined;
    return this.closesAs !== undefined ? '' : 'data: [DONE]\n\n';
  }

  /**
   * The usage chunk the client asked for, from the gateway's counts, then `[DONE]`; only `[DONE]` when the deployment
   * reported usage unasked (Mistral, on its last chunk: the client has it).
   */
  closing(usage: FinalUsage): string | undefined {
    if (this.closesAs === undefined) return undefined;
    if (this.reported?.outputTokens !== undefined) return 'data: [DONE]\n\n';
    const first = this.first ?? {};
    const chunk = {
      id: first.id ?? '',
      object: this.closesAs === 'openai-completions' ? 'text_completion' : 'chat.completion.chunk',
      created: first.created ?? Math.floor(Date.now() / 1000),
      model: first.model ?? '',
      choices: [],
      usage: openAiUsage(usage),
    };
    return `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`;
  }
}

/** What a chunk says about the whole stream. */
interface ChunkHead {
  id?: string;
  created?: number;
  model?: string;
}

const ROLE = Buffer.from('"role":');
const EMPTY_CONTENT = Buffer.from('"content":""');
const NULL_CONTENT = Buffer.from('"content":null');
const CONTENT = Buffer.from('"content"');
const BEGINS_ANSWER = ['"tool_calls"', '"function_call"', '"reasoning', '"refusal":"'].map((s) => Buffer.from(s));

/**
 * Whether data[start, end) comes before anything of the answer: chat's opening chunk that carries only the role
 * (`{"delta":{"role":"assistant","content":""}}`), or a chunk without choices (Azure's `prompt_filter_results`). A
 * chunk with text, a tool call, reasoning or a refusal begins the answer.
 */
function beforeAnswer(data: Buffer, start: number, end: number): boolean {
  const event = data.subarray(start, end);
  if (event.indexOf(EMPTY_CHOICES) !== -1) return true;
  if (event.indexOf(ROLE) === -1) return false;
  if (event.indexOf(CONTENT) !== -1 && event.indexOf(EMPTY_CONTENT) === -1 && event.indexOf(NULL_CONTENT) === -1) return false;
  return !BEGINS_ANSWER.some((marker) => event.indexOf(marker) !== -1);
}

/**
 * Compact JSON (`{"id":"…"`), or spaced (`{"id": "…"`), judged by the first data line of a stream: a colon followed
 * by a space right after a quote is a key's in spaced JSON and rare anywhere in compact JSON's first line. A read
 * without a whole data line yet leaves it compact for that read only.
 */
function jsonStyle(data: Buffer): typeof COMPACT | undefined {
  // The first data line's: comments (`: ping` from sse-starlette while a prompt is read, OpenRouter's
  // `: OPENROUTER PROCESSING`) and blank lines may come before it.
  for (let start = 0; ; ) {
    const nl = data.indexOf(LF, start);
    if (nl === -1) return undefined;
    if (startsWith(data, start, nl, DATA_FIELD)) return data.subarray(start, nl).indexOf(COLON_SPACE) !== -1 ? SPACED : COMPACT;
    start = nl + 1;
  }
}

/** The first non-null `finish_reason` in data[from, end) (`"finish_reason":"stop"`, spaced or not), or undefined. */
function finishReason(data: Buffer, from: number, end: number): string | undefined {
  for (let i = data.indexOf(FINISH_REASON, from); i !== -1 && i < end; i = data.indexOf(FINISH_REASON, i + 1)) {
    let at = i + FINISH_REASON.length;
    if (data[at] === 0x20) at++;
    if (data[at] !== 0x22 /* " */) continue;
    const close = data.indexOf(0x22, at + 1);
    return close === -1 || close > end ? '' : data.toString('latin1', at + 1, close);
  }
  return undefined;
}

/**
 * Where the next `"usage":{` starts in `data` at or after `from`, or -1. (Buffer search cost is dominated by the
 * needle's first byte: searching for its tail and checking the four bytes before is several times faster.)
 */
function findUsageObject(data: Buffer, from: number, tail: Buffer): number {
  for (let i = data.indexOf(tail, from + 4); i !== -1; i = data.indexOf(tail, i + 1)) {
    if (data[i - 4] === 0x22 && data[i - 3] === 0x75 && data[i - 2] === 0x73 && data[i - 1] === 0x61) return i - 4; // "usa
  }
  return -1;
}

interface OpenAiUsageJson {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  /** DeepSeek's cached input (its `prompt_tokens_details` is null). */
  prompt_cache_hit_tokens?: number;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  total_tokens?: number;
}

/** Read as the translated path reads it (`convertUsage`): xAI's reasoning, counted beside the completion, billed. */
function reportedUsage(usage: OpenAiUsageJson | undefined): ReportedUsage | undefined {
  if (usage === undefined) return undefined;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: outputTokens(usage.prompt_tokens, usage.completion_tokens, reasoningTokens, usage.total_tokens),
    cacheReadTokens: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens,
    // GPT-5.6 and later bill prompt-cache writes (1.25× input).
    ...(usage.prompt_tokens_details?.cache_write_tokens !== undefined && { cacheWriteTokens: usage.prompt_tokens_details.cache_write_tokens }),
    reasoningTokens,
  };
}

/** The `usage` of a whole chat completion (see `answerUsage`). Not JSON at all: undefined (usage is estimated). */
export function usageOfJson(bytes: Buffer): OpenAiUsageJson | undefined {
  return answerUsage<OpenAiUsageJson>(bytes, (usage) => typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number');
}

function errorMessage(event: { error?: unknown } | undefined): string {
  const error = event?.error;
  if (typeof error === 'string' && error !== '') return error;
  const message = record(error)?.message;
  return typeof message === 'string' ? message : 'upstream error';
}

/**
 * An error event as the error response it stands for, when its code says which (a rate limit, a prompt over the
 * window, OpenRouter's HTTP status as `code`): a stream that fails so before its answer began is answered, retried
 * and fallen back on as that response would be (`StreamScanner.failedAs`), not as a 502.
 */
function failedAs(event: { error?: unknown } | undefined): { status: number; body: string } | undefined {
  const parsed = OpenAiErrorObject.safeParse(event?.error);
  const status = parsed.success ? statedStreamErrorStatus(parsed.data) : undefined;
  return status === undefined ? undefined : { status, body: JSON.stringify(event) };
}
