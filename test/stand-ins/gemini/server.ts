import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveScript, type ScriptFault } from '../script.js';
import { defaultMessage, errorBody, rateLimitDetails } from './errors.js';
import { checkFunctionNames } from './function-names.js';
import { checkFunctionResponseIds } from './function-responses.js';
import { checkParts } from './parts.js';
import { Renderer, withoutFinish } from './render.js';
import { stoppedAtSequences } from './stop-sequences.js';
import { checkOutputTokens, checkThinkingConfig } from './thinking.js';
import { checkThoughtSignatures } from './thought-signatures.js';

/**
 * A stand-in for Google's Gemini API (generativelanguage.googleapis.com) speaking its REST wire format:
 *
 *   POST /{v1|v1beta|v1alpha}/models/{model}:generateContent            → one GenerateContentResponse (JSON)
 *   POST /{version}/models/{model}:streamGenerateContent?alt=sse        → `data: {GenerateContentResponse}\r\n\r\n`…
 *   POST /{version}/models/{model}:streamGenerateContent                → a JSON array of GenerateContentResponses
 *   POST /{version}/models/{model}:countTokens                          → { totalTokens }
 *
 * authenticated by the `x-goog-api-key` header (or `?key=`), with Google's error bodies (google.rpc.Status JSON,
 * pretty-printed as Google sends them). The "model" follows the shared script (`../script.ts`) found in the last
 * user turn's text: thoughts (with `includeThoughts`), text, whole function calls, usage, and every fault; the answer
 * stops before a stop sequence (`stop-sequences.ts`).
 *
 * Requests are checked as Gemini checks them: parts by `parts.ts`, function response ids by `function-responses.ts`,
 * function declaration names by `function-names.ts`, the thinking budget by `thinking.ts`, Gemini 3's thought
 * signatures by `thought-signatures.ts`. Response records are built by `render.ts`, error bodies by `errors.ts`.
 */

export const GEMINI_STAND_IN_API_KEY = 'gemini-stand-in-key';

export interface GeminiStandInRequest {
  readonly method: string;
  /** Path without the query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body (undefined when it was not JSON). */
  readonly body: any;
  /** Resolves when the client's connection for this request has closed (e.g. it aborted). */
  readonly closed: Promise<void>;
}

export interface GeminiStandIn {
  /** Base URL to give a client as its API base (`httpOptions.baseUrl` for @google/genai). */
  readonly url: string;
  readonly requests: GeminiStandInRequest[];
  close(): Promise<void>;
}

export interface GeminiStandInOptions {
  /** The API key the stand-in accepts; default `GEMINI_STAND_IN_API_KEY`. */
  readonly apiKey?: string;
}

const ROUTE = /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

export async function startGeminiStandIn(options: GeminiStandInOptions = {}): Promise<GeminiStandIn> {
  const apiKey = options.apiKey ?? GEMINI_STAND_IN_API_KEY;
  const requests: GeminiStandInRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void handle(req, res, apiKey, requests).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, apiKey: string, requests: GeminiStandInRequest[]): Promise<void> {
  const closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://stand-in');
  let body: any;
  try {
    body = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    body = undefined;
  }
  requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, closed });

  const route = ROUTE.exec(url.pathname);
  if (!route || req.method !== 'POST') {
    return sendError(res, 404, `Method not found.`);
  }
  const key = headerString(req.headers['x-goog-api-key']) ?? url.searchParams.get('key') ?? undefined;
  if (key === undefined || key === '') {
    return sendError(res, 403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  }
  if (key !== apiKey) {
    return sendError(res, 400, 'API key not valid. Please pass a valid API key.', undefined, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ]);
  }
  if (body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    return sendError(res, 400, `Invalid JSON payload received. Unexpected token.`);
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) {
    if (route[3] !== 'countTokens' || !body.generateContentRequest) return sendError(res, 400, '* GenerateContentRequest.contents: contents is not specified\n');
  }
  const contents = body.contents ?? body.generateContentRequest?.contents ?? [];
  const partProblem = checkParts(contents) ?? checkFunctionResponseIds(contents) ?? checkFunctionNames(body.tools ?? body.generateContentRequest?.tools);
  if (partProblem) return sendError(res, 400, partProblem);

  const model = route[2]!;
  const method = route[3]!;
  const signatureProblem = method === 'countTokens' ? undefined : checkThoughtSignatures(model, contents);
  if (signatureProblem) return sendError(res, 400, signatureProblem);
  const budgetProblem = method === 'countTokens' ? undefined : (checkThinkingConfig(model, body.generationConfig) ?? checkOutputTokens(model, body.generationConfig));
  if (budgetProblem) return sendError(res, 400, budgetProblem);
  if (method === 'countTokens') {
    const inner = body.generateContentRequest ?? body;
    const totalTokens = Math.max(1, Math.ceil(promptChars(inner) / 4));
    return sendJson(res, 200, { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] });
  }

  const script = stoppedAtSequences(resolveScript(lastUserText(body), promptChars(body), 'call_'), body.generationConfig?.stopSequences);
  const render = new Renderer(script, model, body.generationConfig?.thinkingConfig?.includeThoughts === true);
  if (script.fault) {
    const handled = await applyFault(script.fault, method, url, render, res);
    if (handled) return;
  }
  if (method === 'generateContent') return sendJson(res, 200, render.whole());
  if (url.searchParams.get('alt') === 'sse') return streamSse(res, render.records(), script.chunkDelayMs);
  return streamJsonArray(res, render.records(), script.chunkDelayMs);
}

/** Renders the script's faults; returns false when the normal answer should follow (content-filter). */
async function applyFault(fault: ScriptFault, method: string, url: URL, render: Renderer, res: ServerResponse): Promise<boolean> {
  const sse = method === 'streamGenerateContent' && url.searchParams.get('alt') === 'sse';
  switch (fault.kind) {
    case 'http': {
      const details = fault.status === 429 ? rateLimitDetails(fault.retryAfter) : undefined;
      sendError(res, fault.status, fault.message ?? defaultMessage(fault.status), fault.code, details);
      return true;
    }
    case 'hang':
      // Accept and never answer; the client's abort (or the stand-in's close) ends the connection.
      return true;
    case 'midstream': {
      if (method === 'generateContent') {
        sendError(res, 500, fault.message ?? defaultMessage(500));
        return true;
      }
      const records = render.records().slice(0, fault.afterChunks).map((r) => withoutFinish(r));
      const error = errorBody(500, fault.message ?? defaultMessage(500));
      if (sse) await streamSse(res, [...records, error], render.chunkDelayMs);
      else await streamJsonArray(res, [...records, error], render.chunkDelayMs);
      return true;
    }
    case 'drop': {
      if (method === 'generateContent') {
        res.writeHead(200, jsonHeaders());
        res.write(JSON.stringify(render.whole(), null, 2).slice(0, 40));
        await sleep(10);
        res.socket?.destroy();
        return true;
      }
      const records = render.records().slice(0, fault.afterChunks).map((r) => withoutFinish(r));
      res.writeHead(200, sse ? sseHeaders() : jsonHeaders());
      for (const [i, record] of records.entries()) {
        if (i > 0 && render.chunkDelayMs > 0) await sleep(render.chunkDelayMs);
        res.write(sse ? sseRecord(record) : (i === 0 ? '[' : ',\r\n') + JSON.stringify(record, null, 2));
      }
      // Let the records reach the client, then cut the connection without closing the stream.
      await sleep(20);
      res.socket?.destroy();
      return true;
    }
    case 'content-filter':
      return false;
  }
}

/** Text of the last user turn that has text (a turn holding only function responses is skipped). */
function lastUserText(body: any): string {
  const contents: any[] = Array.isArray(body.contents) ? body.contents : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const content = contents[i];
    if (content?.role !== undefined && content.role !== 'user') continue;
    const texts = (Array.isArray(content?.parts) ? content.parts : []).filter((p: any) => typeof p?.text === 'string').map((p: any) => p.text as string);
    if (texts.length > 0) return texts.join('\n');
  }
  return '';
}

/** Characters of every text part of the system instruction and the contents. */
function promptChars(body: any): number {
  let chars = 0;
  const count = (content: any) => {
    for (const part of Array.isArray(content?.parts) ? content.parts : []) if (typeof part?.text === 'string') chars += part.text.length;
  };
  count(body.systemInstruction);
  for (const content of Array.isArray(body.contents) ? body.contents : []) count(content);
  return chars;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function jsonHeaders(): Record<string, string> {
  return { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2' };
}

function sseHeaders(): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'content-disposition': 'attachment', vary: 'Origin, X-Origin, Referer', server: 'scaffolding on HTTPServer2' };
}

function sendJson(res: ServerResponse, status: number, value: object): void {
  res.writeHead(status, jsonHeaders());
  res.end(JSON.stringify(value, null, 2) + '\n');
}

function sendError(res: ServerResponse, code: number, message: string, status?: string, details?: object[]): void {
  sendJson(res, code, errorBody(code, message, status, details));
}

function sseRecord(record: object): string {
  return `data: ${JSON.stringify(record)}\r\n\r\n`;
}

async function streamSse(res: ServerResponse, records: object[], delayMs: number): Promise<void> {
  res.writeHead(200, sseHeaders());
  for (const [i, record] of records.entries()) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.write(sseRecord(record));
  }
  res.end();
}

async function streamJsonArray(res: ServerResponse, records: object[], delayMs: number): Promise<void> {
  res.writeHead(200, jsonHeaders());
  for (const [i, record] of records.entries()) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.write((i === 0 ? '[' : ',\r\n') + JSON.stringify(record, null, 2));
  }
  res.end(records.length === 0 ? '[]' : ']');
}
