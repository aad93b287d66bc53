import type { Exchange } from '../../http/exchange.js';
import { HttpError } from '../../http/errors.js';
import type { ForwardCapability, ProviderTarget } from '../../providers/types.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import { headerValue, upstreamRequest } from '../../upstream/http.js';
import { toProviderError } from '../../upstream/errors.js';
import type { UsageOutcome, UsageRecorder } from '../../usage/recorder.js';
import type { FinalUsage } from '../../pipeline/accounting.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
const EVENT_END = Buffer.from('\n\n');
const DONE = Buffer.from('data: [DONE]');
const USAGE_OBJECT = Buffer.from('"usage":{');
const EMPTY_CHOICES = Buffer.from('"choices":[]');
const ERROR_EVENT = Buffer.from('data: {"error"');

/** An OpenAI chat body as the client sent it, plus what the forwarder must know about it. */
export interface ForwardedChat {
  readonly body: Record<string, unknown>;
  readonly stream: boolean;
  /** Whether the client itself asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** Local estimate of prompt tokens, for a stream that ends before the provider reports usage. */
  readonly estimateInputTokens: () => number;
}

/**
 * The same-protocol fast path: OpenAI chat in, an OpenAI-speaking provider out. The client's body goes upstream
 * re-serialised once (only `model`, and `stream_options.include_usage` so usage is always known, are set); the
 * answer comes back as upstream bytes, forwarded event by event without parsing or re-serialising chunks. Only
 * three things are looked at, by byte search: event boundaries, the usage chunk (parsed, and withheld when the
 * client did not ask for it) and `[DONE]` (a stream that ends without it gets an error event, never a silently
 * truncated 200). The response keeps the upstream's ids and model name.
 */
export async function forwardOpenAiChat(
  ex: Exchange,
  chat: ForwardedChat,
  forward: ForwardCapability,
  target: ProviderTarget,
  secrets: SecretResolver,
  usage: UsageRecorder,
): Promise<{ outcome: UsageOutcome; usage: FinalUsage }> {
  const { url, headers } = forward.upstream('openai-chat', target, secrets);
  const body: Record<string, unknown> = { ...chat.body, model: target.providerModel };
  if (chat.stream) {
    const options = (typeof chat.body.stream_options === 'object' && chat.body.stream_options) || {};
    body.stream_options = { ...options, include_usage: true };
  }
  let response;
  try {
    response = await upstreamRequest({
      url,
      headers: { ...headers, 'content-type': 'application/json', accept: chat.stream ? 'text/event-stream' : 'application/json' },
      body: JSON.stringify(body),
      signal: ex.signal,
      ...(target.timeoutMs !== null && { headersTimeoutMs: target.timeoutMs }),
    });
  } catch (err) {
    throw HttpError.fromProvider(toProviderError(err, target.provider));
  }

  if (response.statusCode >= 400) {
    const text = await response.body.text().catch(() => '');
    throw HttpError.fromProvider(forward.mapError(response.statusCode, response.headers, text));
  }
  if (!chat.stream) return forwardJson(ex, response, chat);
  return forwardStream(ex, response, chat, usage, target.provider);
}

type Upstream = Awaited<ReturnType<typeof upstreamRequest>>;

async function forwardJson(ex: Exchange, response: Upstream, chat: ForwardedChat): Promise<{ outcome: UsageOutcome; usage: FinalUsage }> {
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const contentType = headerValue(response.headers, 'content-type') ?? 'application/json';
  ex.send(200, bytes.toString('utf8'), contentType);
  let reported: OpenAiUsageJson | undefined;
  try {
    reported = (JSON.parse(bytes.toString('utf8')) as { usage?: OpenAiUsageJson }).usage;
  } catch {
    // Not JSON: forwarded as is; usage is estimated.
  }
  return { outcome: { status: 'success', httpStatus: 200 }, usage: finalUsage(reported, chat, 0) };
}

async function forwardStream(
  ex: Exchange,
  response: Upstream,
  chat: ForwardedChat,
  recorder: UsageRecorder,
  provider: string,
): Promise<{ outcome: UsageOutcome; usage: FinalUsage }> {
  let carry: Buffer = Buffer.alloc(0);
  let reported: OpenAiUsageJson | undefined;
  let events = 0;
  let done = false;
  let failed: string | undefined;
  let upstreamErrorEvent = false;

  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (ex.aborted) break;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      // Forward every complete event in this chunk in one write; keep the incomplete tail for the next chunk.
      let start = 0;
      let out: Buffer[] | undefined;
      let runStart = 0;
      for (let end = data.indexOf(EVENT_END, start); end !== -1; end = data.indexOf(EVENT_END, start)) {
        const event = data.subarray(start, end);
        const next = end + EVENT_END.length;
        let skip = false;
        if (event.indexOf(DONE) === 0) done = true;
        else if (event.indexOf(ERROR_EVENT) === 0) {
          failed = errorMessage(event);
          upstreamErrorEvent = true;
        }
        else if (event.indexOf(USAGE_OBJECT) !== -1) {
          reported = usageOf(event) ?? reported;
          // The usage-only chunk we asked for on the client's behalf: not theirs to see.
          skip = !chat.includeUsage && event.indexOf(EMPTY_CHOICES) !== -1;
        } else {
          events++;
        }
        if (skip) {
          (out ??= []).push(data.subarray(runStart, start));
          runStart = next;
        }
        start = next;
      }
      carry = Buffer.from(data.subarray(start));
      const forwarded = out ? Buffer.concat([...out, data.subarray(runStart, start)]) : data.subarray(runStart, start);
      if (forwarded.length > 0) {
        recorder.markFirstToken();
        if (!ex.write(forwarded, 200, SSE_HEADERS)) await ex.drained();
      }
    }
  } catch (err) {
    if (!ex.aborted) failed = toProviderError(err, provider).message;
  }

  const usage = finalUsage(reported, chat, events);
  if (ex.aborted) {
    return { outcome: { status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, errorType: 'client_disconnected', errorMessage: 'client disconnected before the stream was complete' }, usage };
  }
  if (failed === undefined && !done) failed = `${provider}: the provider closed the stream before it was complete`;
  if (failed !== undefined) {
    const error = { error: { message: failed, type: 'api_error', param: null, code: 'upstream_error' } };
    // An upstream error event was already forwarded verbatim; otherwise tell the client ourselves.
    const tail = upstreamErrorEvent ? '' : `data: ${JSON.stringify(error)}\n\n`;
    if (ex.headersSent) ex.endStream(tail);
    else throw new HttpError(502, 'api_error', 'upstream_error', failed);
    return { outcome: { status: 'error', httpStatus: ex.sentStatus, errorType: 'upstream_error', errorMessage: failed }, usage };
  }
  if (ex.headersSent) ex.endStream();
  else ex.send(200, '', 'text/event-stream');
  return { outcome: { status: 'success', httpStatus: 200 }, usage };
}

interface OpenAiUsageJson {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

function usageOf(event: Buffer): OpenAiUsageJson | undefined {
  try {
    const json = JSON.parse(event.subarray(event.indexOf('{')).toString('utf8')) as { usage?: OpenAiUsageJson | null };
    return json.usage ?? undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(event: Buffer): string {
  try {
    const json = JSON.parse(event.subarray(event.indexOf('{')).toString('utf8')) as { error?: { message?: string } };
    return json.error?.message ?? 'upstream error';
  } catch {
    return 'upstream error';
  }
}

function finalUsage(reported: OpenAiUsageJson | undefined, chat: ForwardedChat, events: number): FinalUsage {
  const known = reported?.prompt_tokens !== undefined && reported.completion_tokens !== undefined;
  return {
    inputTokens: reported?.prompt_tokens ?? chat.estimateInputTokens(),
    outputTokens: reported?.completion_tokens ?? events,
    cacheReadTokens: reported?.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: reported?.completion_tokens_details?.reasoning_tokens ?? 0,
    estimated: !known,
  };
}
