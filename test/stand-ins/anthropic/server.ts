import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { awaitLatency, FaultQueue, withPlan, type FaultPlan } from '../faults.js';
import { resolveScript, type ResolvedScript } from '../script.js';
import { planResponse, streamFrames, wholeMessage } from './render.js';
import { checkMessagesRequest, promptOf, stopSequences, type MessagesBody } from './request.js';
import { dropConnection, endSse, errorBody, errorTypeFor, sendError, sendJson, startSse, writeEvent } from './wire.js';

/**
 * A stand-in for Anthropic's Messages API on 127.0.0.1, speaking its exact wire format and rendering the shared
 * prompt script (`../script.ts`), faults included:
 *
 *   POST /v1/messages               whole JSON, or SSE with `stream: true`
 *   POST /v1/messages/count_tokens  `{ input_tokens }`, the script's input tokens for the prompt
 *
 * Every request needs the key in `x-api-key` or `Authorization: Bearer` (401 authentication_error otherwise) and an `anthropic-version` header. Faults:
 * `http` → Anthropic's error body with that status (`code`, when given, is the error type, except that
 * `context_length_exceeded` is Anthropic's "prompt is too long" 400) and `retry-after`;
 * `midstream` → an `event: error` overloaded_error after `afterChunks` content deltas (a 529 when not streaming);
 * `drop` → the socket destroyed after `afterChunks` deltas; `hang` → no answer at all; `content-filter` →
 * stop_reason `refusal`. `max_tokens: 0` (populate the prompt cache, generate nothing) answers an empty `content` with
 * stop_reason `max_tokens` and no output tokens. Structured outputs (`output_config.format`) are refused as Anthropic
 * refuses them (`output-format.ts`: an older model, an open object, a constraint decoding cannot enforce); otherwise
 * the script still decides the text, so a test that wants JSON back scripts it. `url` is what a model's `apiBase` should be (like https://api.anthropic.com). `inject` makes
 * the whole server fault or slow down on `POST /v1/messages` (`../faults.ts`), whatever the requests' scripts say.
 */
export const STAND_IN_API_KEY = 'sk-ant-standin-0123456789abcdef';

/** The context window the stand-in's "prompt is too long" message names, as Claude's. */
const CONTEXT_WINDOW = 200_000;

export interface AnthropicStandInOptions {
  /** The key clients must send in `x-api-key`. */
  readonly apiKey?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's port: equal ports on two requests mean a kept-alive connection was reused. */
  readonly remotePort: number | undefined;
  /** The parsed JSON body (undefined when there was none or it was not JSON). */
  readonly body: unknown;
  /** Date.now() when the request arrived: the gap between two shows whether a retry waited out `retry-after`. */
  readonly receivedAt: number;
  /** Whether it was a `POST /v1/messages` (not count_tokens), which injected faults hit. */
  readonly inference: boolean;
  /** Resolves when the connection for this request has closed; `completed` is false when it closed before the answer ended (client abort). */
  readonly closed: Promise<{ readonly completed: boolean }>;
}

export interface AnthropicStandIn {
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** The `POST /v1/messages` requests, in arrival order: what a routing test counts per deployment. */
  inferenceRequests(): RecordedRequest[];
  /** Queues a server-level fault plan (see `FaultPlan`); it overrides the scripts' own faults. */
  inject(plan: FaultPlan): void;
  clearFaults(): void;
  /** Cuts every open connection (hanging requests, idle kept-alive sockets) and keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startAnthropicStandIn(options: AnthropicStandInOptions = {}): Promise<AnthropicStandIn> {
  const apiKey = options.apiKey ?? STAND_IN_API_KEY;
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'api_error', `stand-in failure: ${String(err)}`);
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const text = await readBody(req);
    let body: unknown;
    let malformed = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        malformed = true;
      }
    }
    requests.push(record(req, res, url, body, receivedAt, route === 'POST /v1/messages'));

    // API keys travel in `x-api-key`; recent SDKs send them as `Authorization: Bearer` instead, which Anthropic
    // accepts as well.
    const key = header(req.headers['x-api-key']) ?? /^Bearer (.+)$/i.exec(header(req.headers.authorization) ?? '')?.[1];
    if (key === undefined) return sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (key !== apiKey) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const version = header(req.headers['anthropic-version']);
    if (version === undefined) return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) return sendError(res, 400, 'invalid_request_error', `anthropic-version: "${version}" is not a valid version`);

    if (route !== 'POST /v1/messages' && route !== 'POST /v1/messages/count_tokens') return sendError(res, 404, 'not_found_error', 'Not Found');
    if (malformed || typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendError(res, 400, 'invalid_request_error', 'There was an issue with the format of your request: the body is not a JSON object');
    }
    const countTokens = route === 'POST /v1/messages/count_tokens';
    const messagesBody = body as MessagesBody;
    const problem = checkMessagesRequest(messagesBody, countTokens);
    if (problem) return sendError(res, 400, 'invalid_request_error', problem.message);
    const { lastUserText, promptChars } = promptOf(messagesBody);
    const script = resolveScript(lastUserText, promptChars, 'toolu_');
    if (countTokens) return sendJson(res, 200, { input_tokens: script.usage.inputTokens });
    const plan = faults.take();
    if (!(await awaitLatency(plan, res))) return;
    return answer(res, messagesBody, withPlan(script, plan));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    inferenceRequests: () => requests.filter((r) => r.inference),
    inject: (plan) => faults.inject(plan),
    clearFaults: () => faults.clear(),
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests never end by themselves: cut every connection, then stop listening.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(res: ServerResponse, body: MessagesBody, script: ResolvedScript): Promise<void> {
  const fault = script.fault;
  if (fault?.kind === 'http') {
    const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
    if (fault.code === 'context_length_exceeded') {
      // Anthropic has no such error type: an over-long prompt is an invalid_request_error known by its message.
      return sendError(res, fault.status, 'invalid_request_error', fault.message ?? `prompt is too long: ${CONTEXT_WINDOW + script.usage.inputTokens} tokens > ${CONTEXT_WINDOW} maximum`, headers);
    }
    return sendError(res, fault.status, fault.code ?? errorTypeFor(fault.status), fault.message, headers);
  }
  if (fault?.kind === 'hang') return;
  // Claude thinks only when asked to (`thinking` enabled or adaptive): a script's reasoning is not shown otherwise.
  const thinks = ['enabled', 'adaptive'].includes(String((body.thinking as { type?: unknown } | undefined)?.type));
  const plan = planResponse(thinks ? script : { ...script, reasoning: undefined, reasoningChunks: [] }, body.model as string, stopSequences(body), body.max_tokens === 0);

  if (body.stream !== true) {
    if (fault?.kind === 'drop') return dropConnection(res);
    if (fault?.kind === 'midstream') return sendError(res, 529, 'overloaded_error', fault.message);
    return sendJson(res, 200, wholeMessage(plan));
  }

  startSse(res);
  let deltas = 0;
  for (const frame of streamFrames(plan)) {
    if (res.destroyed) return;
    // Faults strike before the next content delta, or before message_delta when the content ran out first.
    if (frame.content || frame.event === 'message_delta') {
      if (fault?.kind === 'midstream' && deltas >= fault.afterChunks) {
        writeEvent(res, 'error', errorBody('overloaded_error', fault.message));
        return endSse(res);
      }
      if (fault?.kind === 'drop' && deltas >= fault.afterChunks) return dropConnection(res);
    }
    if (frame.content) {
      if (script.chunkDelayMs > 0) await sleep(script.chunkDelayMs);
      deltas += 1;
    }
    writeEvent(res, frame.event, frame.data);
  }
  if (script.endDelayMs > 0) await sleep(script.endDelayMs);
  endSse(res);
}

function record(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, receivedAt: number, inference: boolean): RecordedRequest {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    headers: req.headers,
    remotePort: req.socket.remotePort,
    body,
    receivedAt,
    inference,
    closed: new Promise((resolve) => res.once('close', () => resolve({ completed: res.writableFinished }))),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
