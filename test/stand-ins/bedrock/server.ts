import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants as http2, createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { claudeFieldProblem } from '../claude-rules.js';
import { resolveScript, type ScriptFault } from '../script.js';
import { exceptionFrame } from './frames.js';
import { exceptionPayload, modelProblem, parseBedrockDirective, STREAM_EXCEPTIONS, type BedrockDirective } from './model-rules.js';
import { converseResponse, planAnswer, reasoningSignature, streamSteps, type Answer } from './render.js';
import { verifySigV4, type StandInCredentials } from './sigv4-verify.js';
import { lastUserText, promptChars, validateConverse } from './validate.js';

/**
 * A Bedrock Runtime stand-in: `POST /model/{modelId}/converse` (JSON) and `/converse-stream` (binary event stream),
 * answering with the shared prompt-steerable script (test/stand-ins/script.ts), and `/count-tokens` (the input tokens
 * that script reports for the prompt, for a Claude foundation model only, as `countable` says). A stop sequence the
 * request names that occurs in the script's text stops the answer there, with `additionalModelResponseFields` where
 * the request asks for them (see render.ts). It speaks HTTP/1.1 and HTTP/2 on
 * one port, like the service: the official SDK talks HTTP/2 to Bedrock Runtime (cleartext with prior knowledge
 * against an http:// endpoint), the data plane's undici pool HTTP/1.1. Every request must be SigV4-signed
 * for service `bedrock` with one of the known test credentials (or carry a known Bedrock API key as a bearer
 * token); a bad signature gets AWS's 403 and error body. Requests are validated the way Bedrock validates them.
 *
 * Faults: `http` → the status with Bedrock's error type (`ThrottlingException` for 429…) in `x-amzn-ErrorType` and
 * `{"message"}`; `midstream` → after N content deltas a `modelStreamErrorException` message (non-streaming: 424
 * ModelErrorException); `drop` → the socket destroyed after N deltas; `hang` → no answer; `content-filter` → stop
 * reason `guardrail_intervened`. A Bedrock directive beside the script's (`model-rules.ts`) sends any stream exception
 * first or after N deltas (Converse: its HTTP error), or gives the answer another stop reason (`content_filtered`).
 * What Bedrock refuses for the model named (tools in ConverseStream, a toolChoice, maxTokens over its limit) is
 * refused as `model-rules.ts` says.
 */

export const BEDROCK_STAND_IN_REGION = 'us-east-1';

/** Long-term test credentials every stand-in accepts. */
export const BEDROCK_STAND_IN_CREDENTIALS: StandInCredentials = {
  accessKeyId: 'AKIATOLLGATESTANDIN1',
  secretAccessKey: 'tollgate/stand-in+secret/KEY0123456789abcdefEXAMPLE',
};

/** Temporary test credentials: requests must carry and sign the session token. */
export const BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS: StandInCredentials = {
  accessKeyId: 'ASIATOLLGATESTANDIN2',
  secretAccessKey: 'tollgate/stand-in+temporary/KEY9876543210EXAMPLE',
  sessionToken: 'IQoJb3JpZ2luX2VjEStandInSessionToken//////////wEaCXVzLWVhc3QtMSJHMEUCIQ',
};

/** A Bedrock API key (bearer token) the stand-in accepts. */
export const BEDROCK_STAND_IN_API_KEY = 'ABSKQmVkcm9ja0FQSUtleS1zdGFuZC1pbg==';

export interface BedrockStandInRequest {
  readonly operation: 'converse' | 'converse-stream' | 'count-tokens';
  /** The model id, decoded from its path segment. */
  readonly modelId: string;
  /** The request path exactly as sent. */
  readonly rawPath: string;
  readonly headers: IncomingHttpHeaders;
  /** The region the signature was scoped to (undefined for API-key requests). */
  readonly region: string | undefined;
  readonly body: Record<string, unknown>;
  /** True once the client closed the connection before the response was complete. */
  closedEarly: boolean;
  /** Resolves when the connection for this request is closed or the response has ended. */
  readonly closed: Promise<void>;
}

export interface BedrockStandIn {
  readonly url: string;
  /** Requests that passed authentication and routing, in arrival order. */
  readonly requests: BedrockStandInRequest[];
  /** Requests rejected before the model (authentication, validation), with the error type sent. */
  readonly rejected: { readonly path: string; readonly status: number; readonly errorType: string; readonly message: string }[];
  close(): Promise<void>;
}

export interface BedrockStandInOptions {
  readonly credentials?: readonly StandInCredentials[];
  readonly apiKeys?: readonly string[];
  /**
   * Claude foundation model ids CountTokens refuses, as Bedrock refuses some Claude models ("Some Anthropic Claude
   * models – including those that launch with cross-Region inference (CRIS) only – don't support CountTokens on
   * bedrock-runtime", AWS user guide, count-tokens.html).
   */
  readonly uncountable?: readonly string[];
}

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|count-tokens)$/;

const ERROR_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const DEFAULT_MESSAGES: Readonly<Record<string, string>> = {
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ValidationException: 'Malformed input request, please reformat your input and try again.',
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException: 'The provided model identifier is invalid.',
  ModelTimeoutException: 'Model has timed out in processing the request. Try your request again.',
  ModelErrorException: 'The system encountered an unexpected error during processing. Try your request again.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
};

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export async function startBedrockStandIn(options: BedrockStandInOptions = {}): Promise<BedrockStandIn> {
  const credentials = options.credentials ?? [BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_TEMPORARY_CREDENTIALS];
  const apiKeys = options.apiKeys ?? [BEDROCK_STAND_IN_API_KEY];
  const requests: BedrockStandInRequest[] = [];
  const rejected: BedrockStandIn['rejected'][number][] = [];
  const sockets = new Set<Socket>();

  const reject = (req: Request, res: Response, status: number, errorType: string, message: string): void => {
    rejected.push({ path: req.url ?? '', status, errorType, message });
    sendError(res, status, errorType, message);
  };

  const onRequest = (req: Request, res: Response): void => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', `stand-in failure: ${err instanceof Error ? err.message : String(err)}`);
      else drop(res);
    });
  };

  async function handle(req: Request, res: Response): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?')[0]!;
    const route = ROUTE.exec(rawPath);
    if (req.method !== 'POST' || !route) return reject(req, res, 404, 'UnknownOperationException', `Unknown operation ${req.method} ${rawPath}`);

    // HTTP/2 carries the host as :authority; the signature covers it as `host` either way.
    const headers: IncomingHttpHeaders = { ...req.headers, host: req.headers.host ?? (req.headers[':authority'] as string | undefined) };
    let region: string | undefined;
    const authorization = headers.authorization ?? '';
    if (authorization.startsWith('Bearer ')) {
      if (!apiKeys.includes(authorization.slice(7))) return reject(req, res, 403, 'UnrecognizedClientException', 'Invalid API Key format: Must start with pre-defined prefix');
    } else {
      const verified = verifySigV4({ method: req.method, rawUrl, headers, body: raw, credentials, service: 'bedrock' });
      if (!verified.ok) return reject(req, res, 403, verified.errorType, verified.message);
      region = verified.region;
    }

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return reject(req, res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    }
    const counting = route[2] === 'count-tokens';
    const modelId = decodeURIComponent(route[1]!);
    if (counting && !countable(modelId, options.uncountable ?? [])) return reject(req, res, 400, 'ValidationException', "The provided model doesn't support counting tokens.");
    // CountTokens takes `{input: {converse: <a Converse request's messages, system, toolConfig…>}}`, or `invokeModel`
    // (a model's native body), which the stand-in does not serve: a ValidationException, as a malformed input.
    const converseBody = counting ? countTokensConverse(body) : body;
    if (converseBody === undefined) return reject(req, res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    const invalid =
      validateConverse(converseBody) ??
      modelProblem(modelId, route[2] as BedrockStandInRequest['operation'], converseBody) ??
      claudeProblem(modelId, converseBody) ??
      (counting ? undefined : signatureProblem(modelId, converseBody));
    if (invalid) return reject(req, res, 400, 'ValidationException', invalid);

    let markClosed!: () => void;
    const record: BedrockStandInRequest = {
      operation: route[2] as BedrockStandInRequest['operation'],
      modelId,
      rawPath,
      headers,
      region,
      body,
      closedEarly: false,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableEnded) record.closedEarly = true;
      markClosed();
    });

    const script = resolveScript(lastUserText(converseBody), promptChars(converseBody), 'tooluse_');
    const bedrock = parseBedrockDirective(lastUserText(converseBody));
    const fault = script.fault;
    if (fault?.kind === 'http') return sendError(res, fault.status, fault.code ?? ERROR_TYPE_BY_STATUS[fault.status] ?? 'InternalServerException', fault.message, fault.retryAfter);
    if (counting) {
      // The input tokens the same prompt reports when answered (the script's usage); an `http` fault is answered as for Converse.
      writeHead(res, 200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify({ inputTokens: script.usage.inputTokens }));
      return;
    }
    if (fault?.kind === 'hang') return;
    const planned = planAnswer(script, converseBody, modelId);
    const answer = bedrock.stopReason === undefined ? planned : { ...planned, stopReason: bedrock.stopReason };
    if (record.operation === 'converse') return converse(res, answer, fault, bedrock);
    return converseStream(res, answer, fault, bedrock);
  }

  // One port, both protocols: a connection opening with the HTTP/2 preface ("PRI * HTTP/2.0…") goes to the
  // HTTP/2 server, anything else to the HTTP/1.1 one.
  const http1 = createServer(onRequest);
  const h2 = createHttp2Server(onRequest);
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      if (first.subarray(0, 4).toString('latin1') === 'PRI ') {
        h2.emit('connection', replaying(socket, first));
      } else {
        socket.unshift(first);
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Whether CountTokens counts for a model id: a Claude foundation model, by its id or its foundation-model ARN, that
 * is not `uncountable`. Inference profiles are refused (`us.anthropic.…` and system-defined profile ARNs: CountTokens
 * wants the foundation model; application profile ARNs), and so are other models (Nova, Llama…), all with the same
 * ValidationException.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html (modelId: "the foundation model")
 */
/**
 * Claude's own refusals of the fields Bedrock passes to it (`claude-rules.ts`): sampling in `inferenceConfig` and
 * `top_k`, thinking in `additionalModelRequestFields`, a `tool_choice` there without the `type` no
 * `toolConfig.toolChoice` gave it (litellm#22637), prefixed as Bedrock prefixes a model's errors.
 */
function claudeProblem(modelId: string, body: Record<string, unknown>): string | undefined {
  if (!modelId.includes('anthropic.claude')) return undefined;
  const config = (body.inferenceConfig ?? {}) as Record<string, unknown>;
  const fields = (body.additionalModelRequestFields ?? {}) as { thinking?: { type?: unknown }; top_k?: unknown; tool_choice?: { type?: unknown } };
  const toolChoiceGiven = (body.toolConfig as { toolChoice?: unknown } | undefined)?.toolChoice !== undefined;
  const problem =
    claudeFieldProblem(modelId, { thinkingType: fields.thinking?.type, temperature: config.temperature, topP: config.topP, topK: fields.top_k }) ??
    (fields.tool_choice !== undefined && fields.tool_choice.type === undefined && !toolChoiceGiven ? 'tool_choice.type: Field required' : undefined);
  return problem && `The model returned the following errors: ${problem}`;
}

/**
 * Claude's check of the thinking it gets back, which Bedrock passes on: a `reasoningText` whose signature the stand-in
 * did not write for that text (Claude's on Anthropic's API, a Gemini thought signature) fails the request, in
 * Converse's words (openclaw/openclaw#88020: "The model returned the following errors: messages.39.content.0: Invalid
 * signature in thinking block").
 */
function signatureProblem(modelId: string, body: Record<string, unknown>): string | undefined {
  if (!modelId.includes('anthropic.claude')) return undefined;
  for (const [i, message] of (body.messages as { content: { reasoningContent?: { reasoningText?: { text: string; signature?: string } } }[] }[]).entries()) {
    for (const [j, block] of message.content.entries()) {
      const reasoning = block.reasoningContent?.reasoningText;
      if (reasoning && reasoning.signature !== reasoningSignature(reasoning.text)) return `The model returned the following errors: messages.${i}.content.${j}: Invalid signature in thinking block`;
    }
  }
  return undefined;
}

function countable(modelId: string, uncountable: readonly string[]): boolean {
  const id = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*::foundation-model\/(.+)$/.exec(modelId)?.[1] ?? modelId;
  return id.startsWith('anthropic.claude') && !uncountable.includes(id);
}

/** The Converse request inside a CountTokens body, or undefined when it has none. */
function countTokensConverse(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const input = body.input as { converse?: unknown } | undefined;
  const converse = input?.converse;
  return typeof converse === 'object' && converse !== null && !Array.isArray(converse) ? (converse as Record<string, unknown>) : undefined;
}

/**
 * The socket as a plain duplex stream that first replays the bytes already read. Node's HTTP/2 session reads from
 * a net.Socket's native handle, where `unshift`ed bytes are not; it reads a generic duplex through JS, where they are.
 */
function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void) => void socket.write(chunk, encoding, callback),
    final: (callback: () => void) => void socket.end(callback),
    destroy: (error: Error | null, callback: (error: Error | null) => void) => {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(first);
  socket.on('data', (data: Buffer) => {
    if (!duplex.push(data)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

function converse(res: Response, answer: Answer, fault: ScriptFault | undefined, bedrock: BedrockDirective): void {
  if (fault?.kind === 'drop') return drop(res);
  if (fault?.kind === 'midstream') return sendError(res, 424, 'ModelErrorException', fault.message);
  if (bedrock.exception) {
    const { status, httpType } = STREAM_EXCEPTIONS[bedrock.exception.type];
    return sendError(res, status, httpType, bedrock.exception.message);
  }
  const body = JSON.stringify(converseResponse(answer));
  writeHead(res, 200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

async function converseStream(res: Response, answer: Answer, fault: ScriptFault | undefined, bedrock: BedrockDirective): Promise<void> {
  const { script } = answer;
  writeHead(res, 200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  const exception = bedrock.exception;
  const sendException = async (): Promise<void> => {
    const { type, message } = exception!;
    await write(res, exceptionFrame(type, exceptionPayload(type, message ?? STREAM_EXCEPTIONS[type].message)));
    res.end();
  };
  // The body's first message: before messageStart.
  if (exception && exception.afterChunks <= 0) return sendException();
  let contentSent = 0;
  for (const step of streamSteps(answer)) {
    if (step.content && exception && contentSent >= exception.afterChunks) return sendException();
    if (step.content && (fault?.kind === 'midstream' || fault?.kind === 'drop') && contentSent >= fault.afterChunks) {
      if (fault.kind === 'drop') return drop(res);
      const message = fault.message ?? 'The model stream was interrupted. Try your request again.';
      await write(res, exceptionFrame('modelStreamErrorException', { message, originalStatusCode: 500, originalMessage: message }));
      res.end();
      return;
    }
    if (step.content && script.chunkDelayMs > 0) await sleep(script.chunkDelayMs);
    if (isGone(res)) return;
    await write(res, step.frame);
    if (step.content) contentSent++;
  }
  res.end();
}

/** Cuts the response off without a proper end: the socket (HTTP/1.1) or the stream (HTTP/2, RST_STREAM). */
function drop(res: Response): void {
  if ('stream' in res) res.stream.close(http2.NGHTTP2_INTERNAL_ERROR);
  else res.socket?.destroy();
}

function isGone(res: Response): boolean {
  return 'stream' in res ? res.stream.destroyed : res.destroyed;
}

/** Writes and waits until the bytes are handed to the socket, so a later drop cannot swallow them. */
function write(res: Response, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (isGone(res)) return resolve();
    (res as ServerResponse).write(bytes, () => resolve());
  });
}

function writeHead(res: Response, status: number, headers: Record<string, string>): void {
  (res as ServerResponse).writeHead(status, headers);
}

/** Bedrock's error response: the type in `x-amzn-ErrorType` (with the Coral namespace), `{"message"}` as the body. */
function sendError(res: Response, status: number, errorType: string, message?: string, retryAfter?: string): void {
  const body = JSON.stringify({ message: message ?? DEFAULT_MESSAGES[errorType] ?? errorType });
  writeHead(res, status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    ...(retryAfter !== undefined && { 'retry-after': retryAfter }),
  });
  res.end(body);
}
