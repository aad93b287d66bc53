import type { Exchange } from '../../http/exchange.js';
import { errors } from '../../http/errors.js';
import { upstreamJson } from '../../providers/drop-params.js';
import { inStreamErrorStatus } from '../../providers/openai/errors.js';
import type { ProviderTarget } from '../../providers/types.js';
import { estimatePromptTokens, type OutputText } from '../../providers/token-estimate.js';
import { answerUsage, boundaryAfter, endsWith, eventJson, LF, lastUsageObject, startsWith } from '../forward/bytes.js';
import { forwardRequest, type Forwardable, type ForwardResult, type ReportedUsage, type StreamScanner } from '../forward/forwarder.js';
import { withServedTier } from '../forward/service-tier.js';
import { items, record } from '../forward/output.js';
import type { ForwardCall } from '../types.js';
import type { ParsedResponsesRequest } from './request.js';
import { searchToolOf, withToolCalls } from './web-search-calls.js';

/**
 * The native Responses pass-through: a Responses request for a deployment that speaks Responses itself (OpenAI)
 * goes upstream as is, with only `model` set to the deployment's, and the answer's bytes come back as is. So
 * whatever OpenAI keeps or runs on its side works through the gateway: `previous_response_id`, `store`,
 * `conversation`, `include`, built-in tools (web_search, file_search, code_interpreter, image_generation, mcp,
 * computer use, custom tools, local_shell…), item references. A stored response's id is remembered with its
 * deployment (`routing/response-affinity.ts`): follow-ups and the stored-response routes go there. Only `background`
 * is refused: its answer (and usage) comes later, to whoever polls `GET /v1/responses/{id}`, so it could not be
 * billed.
 *
 * Accounting reads, by byte search, the event types (`event: <type>` lines) and parses only the terminal event:
 * usage is on the response object of `response.completed` (`response.incomplete` and `response.failed` carry one
 * too), and so are the calls of the built-in web search tool, billed per call (its `web_search_call` output items,
 * `web-search-calls.ts`; the legacy `web_search_preview`'s at its own price when the request offers only that tool); an `error` event or `response.failed` is the upstream saying the response failed. A stream that ends
 * without a terminal event gets what the translated Responses surface sends on a failure (see
 * `stream-encoder.ts`): `response.failed`, then an `error` event, so the client's SDK raises.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function forwardResponses(ex: Exchange, parsed: ParsedResponsesRequest, call: ForwardCall): Promise<ForwardResult> {
  if (parsed.body.background === true) {
    throw errors.invalidParameter(
      'background',
      'background responses are not supported through Tollgate: their usage arrives only when polled, so it could not be billed. Stream the response instead.',
    );
  }
  return forwardRequest(ex, new ResponsesForwarding(parsed), call);
}

/**
 * `POST /v1/responses/compact` (Codex compacts a long conversation so, when it talks to OpenAI): to the deployment's
 * Responses endpoint's `/compact`, as is; the answer (a `response.compaction` object, never streamed) comes back as is,
 * its `usage` billed like a response's. It stores nothing a later request could name.
 */
export function forwardCompaction(ex: Exchange, parsed: ParsedResponsesRequest, call: ForwardCall): Promise<ForwardResult> {
  return forwardRequest(ex, new CompactionForwarding(parsed), call);
}

class ResponsesForwarding implements Forwardable {
  readonly protocol = 'openai-responses' as const;
  readonly stream: boolean;
  /** The web search tool the answer's search calls are made with, when not the current one (`searchToolOf`). */
  private readonly searchTool: string | undefined;

  constructor(protected readonly parsed: ParsedResponsesRequest) {
    this.stream = parsed.stream;
    this.searchTool = searchToolOf(parsed.body.tools);
  }

  upstreamBody(target: ProviderTarget): string {
    return upstreamJson(target, { ...this.parsed.body, model: target.providerModel });
  }

  usageOfJson(body: Buffer): ReportedUsage | undefined {
    return responsesUsageOfJson(body, this.searchTool);
  }

  streamScanner(): StreamScanner {
    return new ResponsesStreamScanner(this.stores, this.searchTool);
  }

  /** `store` is on unless the request turns it off (OpenAI's default). */
  private get stores(): boolean {
    return this.parsed.body.store !== false;
  }

  storedIdOfJson(body: Buffer): string | undefined {
    return this.stores ? responseIdOfJson(body) : undefined;
  }

  /**
   * Prompt tokens of a request whose upstream reported none (a stream cut short). A body the translation cannot
   * represent (stored responses, built-in tools…) is estimated from the size of its input and instructions.
   */
  estimateInputTokens(): number {
    try {
      return estimatePromptTokens(this.parsed.canonical.messages, this.parsed.canonical.tools);
    } catch {
      const { input, instructions } = this.parsed.body;
      return Math.ceil((JSON.stringify(input ?? '').length + (typeof instructions === 'string' ? instructions.length : 0)) / 4);
    }
  }

  /**
   * Deltas carry the output: text, refusals, function and custom tool calls' input, code (`*.delta` with a string
   * `delta`); reasoning's (`response.reasoning_text.delta`, `response.reasoning_summary_text.delta`) is reasoning.
   * A function call's name comes with its item (`response.output_item.added`). Audio is not text.
   */
  outputOfEvent(event: unknown, out: OutputText): void {
    const e = record(event);
    const type = e?.type;
    if (typeof type !== 'string') return;
    if (type === 'response.output_item.added') {
      out.add(record(e!.item)?.name);
    } else if (type.endsWith('.delta') && !type.includes('audio')) {
      if (type.includes('reasoning')) out.addReasoning(e!.delta);
      else out.add(e!.delta);
    }
  }

  /** A whole response's output items. */
  outputOfAnswer(answer: unknown, out: OutputText): void {
    for (const value of items(record(answer)?.output)) {
      const item = record(value);
      switch (item?.type) {
        case 'message':
          for (const part of items(item.content)) {
            out.add(record(part)?.text);
            out.add(record(part)?.refusal);
          }
          break;
        case 'reasoning':
          for (const part of items(item.summary)) out.addReasoning(record(part)?.text);
          for (const part of items(item.content)) out.addReasoning(record(part)?.text);
          break;
        default:
          // Function and custom tool calls, and the calls of tools the provider runs (their code, their arguments).
          out.add(item?.name);
          out.add(item?.arguments);
          out.add(item?.input);
          out.add(item?.code);
      }
    }
  }
}

class CompactionForwarding extends ResponsesForwarding {
  readonly endpointSuffix = '/compact';

  override storedIdOfJson(): undefined {
    return undefined;
  }
}

const EVENT_LINE = Buffer.from('event: ');
/** A stream without `event:` lines (some compatible servers): the type is the data's first member. */
const DATA_TYPE = Buffer.from('data: {"type":"');
const DELTA = Buffer.from('.delta');
const CREATED = Buffer.from('response.created');
const COMPLETED = Buffer.from('response.completed');
const INCOMPLETE = Buffer.from('response.incomplete');
const FAILED = Buffer.from('response.failed');
const ERROR = Buffer.from('error');

interface ResponsesUsageJson {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

interface TerminalEvent {
  sequence_number?: number;
  response?: { usage?: ResponsesUsageJson | null; error?: UpstreamError | null } & Record<string, unknown>;
}

/** What OpenAI says of a failed response (`response.failed`'s `response.error`, an `error` event). */
interface UpstreamError {
  message?: string;
  code?: string | null;
  type?: string;
  param?: string | null;
}

/**
 * The error response a Responses failure stands for, by its code (the same codes OpenAI answers error responses
 * with): `context_length_exceeded` a 400, which routing answers with a larger-window fallback, not a retry; a rate
 * limit a 429; anything else a server error. Its body as OpenAI's, for the provider's `mapError`. Codex acts on the code
 * (a context-window error, a rate limit with its wait), which a 502 `upstream_error` lost.
 */
function failedAs(error: UpstreamError | null | undefined, message: string): { status: number; body: string } | undefined {
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code === undefined) return undefined;
  const status = inStreamErrorStatus(code, error?.type);
  const type = error?.type ?? (status === 400 ? 'invalid_request_error' : status === 429 ? 'rate_limit_error' : 'server_error');
  return { status, body: JSON.stringify({ error: { message, type, param: error?.param ?? null, code } }) };
}

/**
 * Reads a Responses stream as it passes: `event: <type>` + `data: {…}` events, numbered by `sequence_number`.
 * The first delta (`*.delta`) begins the answer; the terminal events are parsed for
 * usage and failure; `response.created` is kept (copied) to build the `response.failed` a broken stream ends with.
 */
class ResponsesStreamScanner implements StreamScanner {
  end = 0;
  done = false;
  failure: string | undefined;
  failedAs: { status: number; body: string } | undefined;
  reported: ReportedUsage | undefined;
  /** A delta (text, function arguments, reasoning) has arrived: the answer has begun. */
  started = false;
  /** Typed events seen: with the created event's number, the next `sequence_number`. */
  private events = 0;
  private created: Buffer | undefined;
  private createdAt = 0;

  constructor(
    private readonly stores: boolean,
    /** The web search tool the request offers, when not the current one (`searchToolOf`). */
    private readonly searchTool: string | undefined,
  ) {}

  /** The response's id (from `response.created`) when the request stores it. */
  get storedId(): string | undefined {
    if (!this.stores || this.created === undefined) return undefined;
    const id = eventJson<TerminalEvent>(this.created)?.response?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  }

  scan(data: Buffer): Buffer {
    let start = 0;
    for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, nl + 1)) {
      const next = boundaryAfter(data, nl);
      if (next === -1) continue;
      this.event(data, start, nl);
      start = next;
      nl = start - 1;
    }
    this.end = start;
    return data.subarray(0, start);
  }

  /** One event, data[start, end) (without its blank line). */
  private event(data: Buffer, start: number, end: number): void {
    let typeStart: number;
    let typeEnd: number;
    if (startsWith(data, start, end, EVENT_LINE)) {
      typeStart = start + EVENT_LINE.length;
      typeEnd = data.indexOf(LF, typeStart);
      if (typeEnd === -1 || typeEnd > end) typeEnd = end;
      if (data[typeEnd - 1] === 0x0d /* \r */) typeEnd--;
    } else if (startsWith(data, start, end, DATA_TYPE)) {
      typeStart = start + DATA_TYPE.length;
      typeEnd = data.indexOf(0x22 /* " */, typeStart);
      if (typeEnd === -1 || typeEnd > end) return;
    } else {
      return; // a comment or a keep-alive: not an event of the protocol
    }
    this.events++;
    if (endsWith(data, typeStart, typeEnd, DELTA)) {
      this.started = true;
      return;
    }
    if (typeIs(data, typeStart, typeEnd, CREATED)) {
      this.created = Buffer.from(data.subarray(start, end));
      this.createdAt = this.events - 1;
    } else if (typeIs(data, typeStart, typeEnd, COMPLETED) || typeIs(data, typeStart, typeEnd, INCOMPLETE)) {
      this.done = true;
      this.reported = terminalUsage(data.subarray(start, end), this.searchTool) ?? this.reported;
    } else if (typeIs(data, typeStart, typeEnd, FAILED)) {
      this.done = true;
      const bytes = data.subarray(start, end);
      const event = eventJson<TerminalEvent>(bytes);
      const usage = withServedTier(reportedUsage(event?.response?.usage ?? undefined), bytes, () => event?.response?.service_tier);
      this.reported = withToolCalls(usage, bytes, () => event?.response?.output, this.searchTool) ?? this.reported;
      this.failure = event?.response?.error?.message ?? 'the response failed';
      this.failedAs ??= failedAs(event?.response?.error, this.failure);
    } else if (typeIs(data, typeStart, typeEnd, ERROR)) {
      const event = eventJson<UpstreamError & { error?: UpstreamError }>(data.subarray(start, end));
      this.failure = event?.message ?? event?.error?.message ?? 'upstream error';
      this.failedAs ??= failedAs(event?.error ?? event, this.failure);
    }
  }

  /** `response.failed` (built from the upstream's `response.created`), then `error`: as `stream-encoder.ts` ends. */
  errorTail(message: string): string {
    const code = 'upstream_error';
    const error = { message, type: 'api_error', param: null, code };
    const created = this.created !== undefined ? eventJson<TerminalEvent>(this.created) : undefined;
    let sequence = typeof created?.sequence_number === 'number' ? created.sequence_number + (this.events - this.createdAt) : this.events;
    let out = '';
    if (created?.response !== undefined) {
      const response = { ...created.response, status: 'failed', error: { code, message }, usage: null };
      out += sse('response.failed', { type: 'response.failed', sequence_number: sequence++, response });
    }
    return out + sse('error', { type: 'error', sequence_number: sequence, code, message, param: null, error });
  }
}

function typeIs(data: Buffer, start: number, end: number, name: Buffer): boolean {
  return end - start === name.length && startsWith(data, start, end, name);
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The usage on a terminal event's response object: the last `"usage":{…}` alone when it is plainly that; the event is
 * parsed (once) only when that is not enough, or its bytes mention a served tier or billed tool calls.
 */
function terminalUsage(event: Buffer, searchTool: string | undefined): ReportedUsage | undefined {
  const response = once(() => eventJson<TerminalEvent>(event)?.response);
  const usage = reportedUsage(plainUsage(event) ?? response()?.usage ?? undefined);
  return withToolCalls(withServedTier(usage, event, () => response()?.service_tier), event, () => response()?.output, searchTool);
}

/**
 * The `usage` of a whole Response object (non-streamed; see `answerUsage`), with the tier it was served at and its web
 * searches (made with `searchTool`, when the request says: `searchToolOf`).
 */
export function responsesUsageOfJson(bytes: Buffer, searchTool?: string): ReportedUsage | undefined {
  const answer = once(() => eventJson<{ service_tier?: unknown; output?: unknown }>(bytes));
  const usage = withServedTier(reportedUsage(answerUsage<ResponsesUsageJson>(bytes, isPlainUsage)), bytes, () => answer()?.service_tier);
  return withToolCalls(usage, bytes, () => answer()?.output, searchTool);
}

/** `read`, called on first use only. */
function once<T>(read: () => T): () => T {
  let done = false;
  let value: T | undefined;
  return () => {
    if (!done) {
      value = read();
      done = true;
    }
    return value as T;
  };
}

function plainUsage(bytes: Buffer): ResponsesUsageJson | undefined {
  const object = lastUsageObject(bytes);
  if (object === undefined) return undefined;
  try {
    const usage = JSON.parse(object) as ResponsesUsageJson;
    return isPlainUsage(usage) ? usage : undefined;
  } catch {
    return undefined;
  }
}

function isPlainUsage(usage: ResponsesUsageJson): boolean {
  return typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number';
}

function reportedUsage(usage: ResponsesUsageJson | undefined): ReportedUsage | undefined {
  if (usage === undefined) return undefined;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.input_tokens_details?.cached_tokens ?? undefined,
    // GPT-5.6 and later bill prompt-cache writes (1.25× input), reported here (coder/mux#3705).
    ...(usage.input_tokens_details?.cache_write_tokens !== undefined && { cacheWriteTokens: usage.input_tokens_details.cache_write_tokens }),
    reasoningTokens: usage.output_tokens_details?.reasoning_tokens ?? undefined,
  };
}

/** OpenAI's response object starts with its id; read from the first bytes rather than parsing the whole answer. */
const LEADING_ID = /^\{\s*"id"\s*:\s*"([^"\\]+)"/;

/** The id of a whole Responses answer, if it is a response object. */
export function responseIdOfJson(body: Buffer): string | undefined {
  const head = LEADING_ID.exec(body.toString('utf8', 0, Math.min(body.length, 256)));
  if (head !== null) return head[1];
  try {
    const id = (JSON.parse(body.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
