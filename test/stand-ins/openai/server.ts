import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awaitLatency, FaultQueue, type FaultPlan } from '../faults.js';
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
 *   Azure:  POST /openai/deployments/{deployment}/{chat/completions|completions|embeddings}?api-version=…, and
 *           the v1 API's POST /openai/v1/{responses|chat/completions|completions|embeddings} (the deployment in the
 *           body's `model`, no api-version);
 *           `api-key` header.
 *
 * `url` is what a model's `apiBase` should be: `http://127.0.0.1:{port}/v1` for OpenAI (like
 * https://api.openai.com/v1), `http://127.0.0.1:{port}` for Azure (like https://{resource}.openai.azure.com).
 * `inject` makes the whole server fault or slow down (`../faults.ts`), whatever the requests' scripts say.
 */
export const STAND_IN_API_KEY = 'sk-standin-0123456789abcdef';

export interface OpenAiStandInOptions {
  readonly azure?: boolean;
  /**
   * A compatible server that validates its body strictly, as Mistral's API does: a chat body field it does not know
   * (`stream_options`, `metadata`, `user`, `seed`, `store`, …; see `STRICT_CHAT_FIELDS`), and `stream_options` on
   * completions, is a 422 `extra_forbidden` with one entry per field (pydantic's detail list), and every stream
   * carries its usage in its last chunk.
   */
  readonly strictBody?: boolean;
  /** The key clients must present; `null` accepts any request without one (local vLLM/Ollama). */
  readonly apiKey?: string | null;
  /**
   * Azure: Microsoft Entra ID bearer tokens are accepted when this issuer vouches for them (`verify`), and any other
   * bearer is Azure's 401 for a token that is missing, invalid, for another audience or expired.
   */
  readonly entra?: { verify(token: string): boolean };
  /** Azure: key access is disabled on the resource (`disableLocalAuth`): an `api-key` is 403 `AuthenticationTypeDisabled`. */
  readonly keyAuthDisabled?: boolean;
}

/** The chat request fields Mistral's API knows; any other is refused (`strictBody`). */
const STRICT_CHAT_FIELDS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format', 'tools', 'tool_choice',
  'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls', 'prompt_mode', 'safe_prompt',
]);

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for GET). */
  readonly body: unknown;
  /** The body's bytes as received, decoded ('' for GET). */
  readonly raw: string;
  /** Date.now() when the request arrived: the gap between two shows whether a retry waited out `retry-after`. */
  readonly receivedAt: number;
  /** Whether it was sent to an inference route (chat, completions, responses, embeddings), which injected faults hit. */
  readonly inference: boolean;
  /** Resolves when the client's connection for this request has closed (abort tests). */
  readonly closed: Promise<void>;
}

export interface OpenAiStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The requests to inference routes, in arrival order: what a routing test counts per deployment. */
  inferenceRequests(): RecordedRequest[];
  /** Queues a server-level fault plan (see `FaultPlan`); it overrides the scripts' own faults. */
  inject(plan: FaultPlan): void;
  clearFaults(): void;
  /** Cuts every open connection (hanging requests, idle kept-alive sockets) and keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'o4-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct'];
const AZURE_V1_RESPONSES = '/openai/v1/responses';
const AZURE_V1_ROUTE = /^\/openai\/v1\/(chat\/completions|completions|embeddings)$/;
/** `GET`/`DELETE` of a stored response, OpenAI's path or Azure's v1 one. */
const STORED_RESPONSE = /^(\/openai)?\/v1\/responses\/([^/]+)$/;
const AZURE_ROUTE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;

type Operation = 'chat' | 'completions' | 'responses' | 'embeddings';

const OPENAI_OPERATIONS: Record<string, Operation> = {
  'POST /v1/chat/completions': 'chat',
  'POST /v1/completions': 'completions',
  'POST /v1/responses': 'responses',
  'POST /v1/embeddings': 'embeddings',
};
const AZURE_OPERATIONS: Record<string, Operation> = { 'chat/completions': 'chat', completions: 'completions', embeddings: 'embeddings' };

/** The inference operation a request is for (Azure's carries its deployment), or undefined for any other route. */
function operationOf(method: string, url: URL, azure: boolean): { readonly operation: Operation; readonly deployment?: string } | undefined {
  if (!azure) {
    const operation = OPENAI_OPERATIONS[`${method} ${url.pathname}`];
    return operation && { operation };
  }
  if (method === 'POST' && url.pathname === AZURE_V1_RESPONSES) return { operation: 'responses' };
  const v1 = AZURE_V1_ROUTE.exec(url.pathname);
  if (v1 && method === 'POST') return { operation: AZURE_OPERATIONS[v1[1]!]! };
  const route = AZURE_ROUTE.exec(url.pathname);
  if (!route || method !== 'POST' || !url.searchParams.get('api-version')) return undefined;
  return { operation: AZURE_OPERATIONS[route[2]!]!, deployment: decodeURIComponent(route[1]!) };
}

export async function startOpenAiStandIn(options: OpenAiStandInOptions = {}): Promise<OpenAiStandIn> {
  const azure = options.azure === true;
  const apiKey = options.apiKey === undefined ? STAND_IN_API_KEY : options.apiKey;
  const requests: RecordedRequest[] = [];
  const stored: ResponseStore = new Map();
  const faults = new FaultQueue();

  const server = createServer((req, res) => {
    void serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, openAiErrorBody(`stand-in failure: ${String(err)}`, 'server_error', null));
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const target = operationOf(method, url, azure);
    const text = await readBody(req);
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        requests.push(record(req, res, url, undefined, text, receivedAt, target !== undefined));
        return sendJson(res, 400, openAiErrorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
      }
    }
    requests.push(record(req, res, url, body, text, receivedAt, target !== undefined));

    const bearer = azure ? /^Bearer (.+)$/i.exec(header(req.headers.authorization) ?? '')?.[1] : undefined;
    if (bearer !== undefined && options.entra !== undefined) {
      if (!options.entra.verify(bearer)) return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.' });
    } else if (azure && options.keyAuthDisabled === true) {
      if (header(req.headers['api-key']) !== undefined) return sendJson(res, 403, { error: { code: 'AuthenticationTypeDisabled', message: 'Key based authentication is disabled for this resource.' } });
      return sendJson(res, 401, { statusCode: 401, message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.' });
    } else if (apiKey !== null) {
      const presented = azure ? header(req.headers['api-key']) : /^Bearer (.+)$/i.exec(header(req.headers.authorization) ?? '')?.[1];
      if (presented !== apiKey) return sendUnauthorized(res, azure, presented);
    }

    if (target === undefined) {
      // A stored response: retrieved as it was answered, or deleted; an id it does not hold is OpenAI's 404.
      const storedRoute = STORED_RESPONSE.exec(url.pathname);
      if (storedRoute !== null && (method === 'GET' || method === 'DELETE') && (storedRoute[1] ?? '') === (azure ? '/openai' : '')) {
        const id = decodeURIComponent(storedRoute[2]!);
        const response = stored.get(id);
        if (response === undefined) return sendJson(res, 404, openAiErrorBody(`Response with id '${id}' not found.`, 'invalid_request_error', null));
        if (method === 'GET') return sendJson(res, 200, response);
        stored.delete(id);
        return sendJson(res, 200, { id, object: 'response', deleted: true });
      }
      if (!azure && method === 'GET' && url.pathname === '/v1/models') {
        return sendJson(res, 200, { object: 'list', data: MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })) });
      }
      return sendNotFound(res, azure, method, url.pathname);
    }

    if (options.strictBody === true && (target.operation === 'chat' || target.operation === 'completions') && typeof body === 'object' && body !== null) {
      const fields = Object.entries(body as Record<string, unknown>);
      const extra = fields.filter(([name]) => (target.operation === 'chat' ? !STRICT_CHAT_FIELDS.has(name) : name === 'stream_options'));
      if (extra.length > 0) {
        const detail = extra.map(([name, input]) => ({ type: 'extra_forbidden', loc: ['body', name], msg: 'Extra inputs are not permitted', input }));
        return sendJson(res, 422, { object: 'error', message: { detail }, type: 'invalid_request_error', param: null, code: null });
      }
    }
    const unknown = target.deployment !== undefined && !fromSeptember2024(url.searchParams.get('api-version')!) ? SEPTEMBER_2024_FIELDS.find((name) => (body as Record<string, unknown> | undefined)?.[name] !== undefined) : undefined;
    if (unknown !== undefined) {
      // Azure's api-versions before 2024-09-01-preview know neither stream_options nor max_completion_tokens, and
      // refuse the whole request for either.
      return sendJson(res, 400, {
        error: {
          message: `Unrecognized request argument supplied: ${unknown}. Please contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 for further questions.`,
          type: 'invalid_request_error',
          param: '',
          code: null,
        },
      });
    }
    const plan = faults.take();
    if (!(await awaitLatency(plan, res))) return;
    switch (target.operation) {
      case 'chat':
        return handleChat(res, (body ?? {}) as ChatBody, plan, azure, target.deployment, options.strictBody === true);
      case 'completions':
        return handleCompletions(res, (body ?? {}) as CompletionsBody, plan, azure, target.deployment);
      case 'responses':
        return handleResponses(res, (body ?? {}) as ResponsesBody, plan, stored);
      case 'embeddings':
        return handleEmbeddings(res, (body ?? {}) as EmbeddingsBody, plan, azure);
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

function record(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown, raw: string, receivedAt: number, inference: boolean): RecordedRequest {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    raw,
    receivedAt,
    inference,
    closed: new Promise<void>((resolve) => res.once('close', () => resolve())),
  };
}

/** What Azure's chat and completions bodies know from api-version 2024-09-01-preview on (`fromSeptember2024`). */
const SEPTEMBER_2024_FIELDS = ['stream_options', 'max_completion_tokens'] as const;

/** Whether an Azure api-version is 2024-09-01-preview or later (a date), or a named version. */
function fromSeptember2024(apiVersion: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date === undefined || date >= '2024-09-01';
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
