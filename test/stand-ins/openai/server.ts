import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleChat, type ChatBody } from './chat.js';
import { handleCompletions, type CompletionsBody } from './completions.js';
import { handleEmbeddings, type EmbeddingsBody } from './embeddings.js';
import { openAiErrorBody, sendNotFound, sendUnauthorized } from './errors.js';
import { handleResponses, type ResponsesBody, type ResponseStore } from './responses.js';
import { sendJson } from './wire.js';

/**
 * A stand-in for OpenAI's API (or, with `azure`, Azure OpenAI's) on 127.0.0.1, speaking the exact wire format
 * and rendering the shared prompt script (`../script.ts`), faults included:
 *
 *   OpenAI: POST /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings; GET /v1/models;
 *           `Authorization: Bearer`.
 *   Azure:  POST /openai/deployments/{deployment}/{chat/completions|completions|embeddings}?api-version=…;
 *           `api-key` header.
 *
 * `url` is what a model's `apiBase` should be: `http://127.0.0.1:{port}/v1` for OpenAI (like
 * https://api.openai.com/v1), `http://127.0.0.1:{port}` for Azure (like https://{resource}.openai.azure.com).
 */
export const STAND_IN_API_KEY = 'sk-standin-0123456789abcdef';

export interface OpenAiStandInOptions {
  readonly azure?: boolean;
  /** The key clients must present; `null` accepts any request without one (local vLLM/Ollama). */
  readonly apiKey?: string | null;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for GET). */
  readonly body: unknown;
  /** The body's bytes as received, decoded ('' for GET). */
  readonly raw: string;
  /** Resolves when the client's connection for this request has closed (abort tests). */
  readonly closed: Promise<void>;
}

export interface OpenAiStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'o4-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct'];
const AZURE_ROUTE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;

export async function startOpenAiStandIn(options: OpenAiStandInOptions = {}): Promise<OpenAiStandIn> {
  const azure = options.azure === true;
  const apiKey = options.apiKey === undefined ? STAND_IN_API_KEY : options.apiKey;
  const requests: RecordedRequest[] = [];
  const stored: ResponseStore = new Map();

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, openAiErrorBody(`stand-in failure: ${String(err)}`, 'server_error', null));
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        requests.push(record(req, res, url, undefined, text));
        return sendJson(res, 400, openAiErrorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
      }
    }
    requests.push(record(req, res, url, body, text));

    if (apiKey !== null) {
      const presented = azure ? header(req.headers['api-key']) : /^Bearer (.+)$/i.exec(header(req.headers.authorization) ?? '')?.[1];
      if (presented !== apiKey) return sendUnauthorized(res, azure, presented);
    }

    if (azure) {
      const route = AZURE_ROUTE.exec(url.pathname);
      if (!route || method !== 'POST' || !url.searchParams.get('api-version')) return sendNotFound(res, true, method, url.pathname);
      const deployment = decodeURIComponent(route[1]!);
      if (route[2] === 'chat/completions') return handleChat(res, (body ?? {}) as ChatBody, true, deployment);
      if (route[2] === 'completions') return handleCompletions(res, (body ?? {}) as CompletionsBody, true, deployment);
      return handleEmbeddings(res, (body ?? {}) as EmbeddingsBody, true);
    }

    const route = `${method} ${url.pathname}`;
    switch (route) {
      case 'POST /v1/chat/completions':
        return handleChat(res, (body ?? {}) as ChatBody, false);
      case 'POST /v1/completions':
        return handleCompletions(res, (body ?? {}) as CompletionsBody, false);
      case 'POST /v1/responses':
        return handleResponses(res, (body ?? {}) as ResponsesBody, stored);
      case 'POST /v1/embeddings':
        return handleEmbeddings(res, (body ?? {}) as EmbeddingsBody, false);
      case 'GET /v1/models':
        return sendJson(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })) });
      default:
        return sendNotFound(res, false, method, url.pathname);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: azure ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests never end by themselves: cut every connection, then stop listening.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function record(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, raw: string): RecordedRequest {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    raw,
    closed: new Promise<void>((resolve) => res.once('close', () => resolve())),
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
