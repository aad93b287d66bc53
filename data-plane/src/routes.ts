import { errors } from './http/errors.js';
import type { Exchange } from './http/exchange.js';
import type { Route, RouteHandler } from './http/server.js';
import type { UwsRequest } from './uws.js';
import type { PipelineDeps } from './pipeline/context.js';
import { liveness, metrics, readiness } from './pipeline/health.js';
import { listModels, retrieveModel, type ModelsDialect } from './pipeline/models.js';
import { runInference } from './pipeline/run-inference.js';
import { storedResponse } from './pipeline/stored-responses.js';
import { azureChatSurface, azureCompletionsSurface, azureDeploymentCall } from './surfaces/openai-chat/azure.js';
import { openAiChatSurface } from './surfaces/openai-chat/index.js';
import { anthropicMessagesSurface, countMessageTokens } from './surfaces/anthropic-messages/index.js';
import { renderAnthropicError } from './surfaces/anthropic-messages/errors.js';
import { openAiResponsesCompactSurface } from './surfaces/openai-responses/compact.js';
import { openAiResponsesSurface } from './surfaces/openai-responses/index.js';
import { openAiCompletionsSurface } from './surfaces/openai-completions/index.js';
import { runEmbeddings } from './surfaces/openai-embeddings/index.js';

/**
 * Every route, each OpenAI route both with and without the `/v1` prefix (clients configure either base URL), and
 * under `/openai/v1` too: Azure OpenAI's v1 API, where a client built for Azure (the OpenAI SDK with
 * `base_url=https://<resource>.openai.azure.com/openai/v1`) then needs only the host changed.
 */
export function routes(deps: PipelineDeps): Route[] {
  const list = ownRoutes(deps);
  const azureV1 = list.filter((r) => r.pattern.startsWith('/v1/') && !r.pattern.startsWith('/v1/messages')).map((r) => ({ ...r, pattern: `/openai${r.pattern}` }));
  // Before the catch-all, which comes last.
  return [...list.slice(0, -1), ...azureV1, list.at(-1)!];
}

function ownRoutes(deps: PipelineDeps): Route[] {
  const chat: RouteHandler = (ex, head) => runInference(deps, ex, head, openAiChatSurface);
  // Anthropic clients read the request id from `request-id`.
  const messages: RouteHandler = (ex, head) => {
    ex.requestIdAlias = ANTHROPIC_REQUEST_ID;
    return runInference(deps, ex, head, anthropicMessagesSurface);
  };
  const countTokens: RouteHandler = (ex, head) => {
    ex.requestIdAlias = ANTHROPIC_REQUEST_ID;
    return countMessageTokens(deps, ex, head);
  };
  // Anything else under /v1/messages is an Anthropic client's mistake: answered in Anthropic's shape.
  const anthropicNotFound: RouteHandler = (ex, head) => {
    ex.requestIdAlias = ANTHROPIC_REQUEST_ID;
    ex.sendError(errors.routeNotFound(head.method, head.url), renderAnthropicError);
  };
  const completions: RouteHandler = (ex, head) => runInference(deps, ex, head, openAiCompletionsSurface);
  const embeddings: RouteHandler = (ex, head) => runEmbeddings(deps, ex, head);
  const stored: RouteHandler = (ex, head) => storedResponse(deps, ex, head);
  // The Responses WebSocket mode opens with `GET /v1/responses` and `Upgrade: websocket`: refused with the 426 clients
  // fall back to HTTP on. Any other GET there is a wrong route.
  const responsesSocket: RouteHandler = (ex, head, req) =>
    ex.sendError(req.getHeader('upgrade').toLowerCase() === 'websocket' ? errors.responsesWebSocket() : errors.routeNotFound(head.method, head.url));
  // Azure's deployment URLs: chat completions, legacy completions, embeddings; anything else there is a 404.
  const azureDeployment: RouteHandler = (ex, head) => {
    const call = azureDeploymentCall(head.url);
    if (call === null) return ex.sendError(errors.routeNotFound(head.method, head.url));
    if (call.operation === 'embeddings') return runEmbeddings(deps, ex, head, call.deployment);
    return runInference(deps, ex, head, call.operation === 'completions' ? azureCompletionsSurface : azureChatSurface);
  };
  // Anthropic's shape for Anthropic clients (they send `anthropic-version`): Claude Code's model discovery reads it.
  const dialect = (ex: Exchange, req: UwsRequest): ModelsDialect => {
    const anthropic = req.getHeader('anthropic-version') !== '';
    if (anthropic) ex.requestIdAlias = ANTHROPIC_REQUEST_ID;
    return { anthropic };
  };
  const models: RouteHandler = (ex, head, req) => listModels(deps, ex, head, dialect(ex, req));
  // A wildcard rather than `:model`, because model names may contain slashes (`openai/gpt-4o`).
  // `/v1/models/` (a base URL's trailing slash) is the list.
  const model: RouteHandler = (ex, head, req) => {
    const id = modelFromUrl(head.url);
    return id === '' ? listModels(deps, ex, head, dialect(ex, req)) : retrieveModel(deps, ex, head, id, dialect(ex, req));
  };
  return [
    { method: 'post', pattern: '/v1/chat/completions', handler: chat },
    { method: 'post', pattern: '/chat/completions', handler: chat },
    // Anthropic clients (SDKs, Claude Code) put /v1 in the path; a base URL that ends in /v1 gets the bare routes.
    { method: 'post', pattern: '/v1/messages', handler: messages },
    { method: 'post', pattern: '/messages', handler: messages },
    { method: 'post', pattern: '/v1/messages/count_tokens', handler: countTokens },
    { method: 'post', pattern: '/messages/count_tokens', handler: countTokens },
    { method: 'any', pattern: '/v1/messages', handler: anthropicNotFound },
    { method: 'any', pattern: '/messages', handler: anthropicNotFound },
    { method: 'any', pattern: '/v1/messages/*', handler: anthropicNotFound },
    { method: 'any', pattern: '/messages/*', handler: anthropicNotFound },
    { method: 'post', pattern: '/v1/responses', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesSurface) },
    { method: 'post', pattern: '/responses', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesSurface) },
    // Before the stored-response routes, which would take `compact` for a response id.
    { method: 'post', pattern: '/v1/responses/compact', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesCompactSurface) },
    { method: 'post', pattern: '/responses/compact', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesCompactSurface) },
    { method: 'get', pattern: '/v1/responses', handler: responsesSocket },
    { method: 'get', pattern: '/responses', handler: responsesSocket },
    // Retrieve, delete, cancel, input items of a stored response: sent to the deployment that stored it.
    { method: 'any', pattern: '/v1/responses/*', handler: stored },
    { method: 'any', pattern: '/responses/*', handler: stored },
    { method: 'post', pattern: '/openai/deployments/*', handler: azureDeployment },
    // The AzureOpenAI client's Responses API is not per deployment: `/openai/responses?api-version=…`, the deployment in
    // the body's `model`.
    { method: 'post', pattern: '/openai/responses', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesSurface) },
    { method: 'post', pattern: '/openai/responses/compact', handler: (ex, head) => runInference(deps, ex, head, openAiResponsesCompactSurface) },
    { method: 'any', pattern: '/openai/responses/*', handler: stored },
    { method: 'post', pattern: '/v1/completions', handler: completions },
    { method: 'post', pattern: '/completions', handler: completions },
    { method: 'post', pattern: '/v1/embeddings', handler: embeddings },
    { method: 'post', pattern: '/embeddings', handler: embeddings },
    { method: 'get', pattern: '/v1/models', handler: models },
    { method: 'get', pattern: '/models', handler: models },
    { method: 'get', pattern: '/v1/models/*', handler: model },
    { method: 'get', pattern: '/models/*', handler: model },
    { method: 'get', pattern: '/health/liveness', handler: (ex) => liveness(ex) },
    { method: 'get', pattern: '/health/readiness', handler: (ex) => readiness(deps, ex) },
    { method: 'get', pattern: '/metrics', handler: (ex, head) => metrics(deps, ex, head) },
    { method: 'any', pattern: '/*', handler: (ex, head) => ex.sendError(errors.routeNotFound(head.method, head.url)) },
  ];
}

const ANTHROPIC_REQUEST_ID = 'request-id';

function modelFromUrl(url: string): string {
  const raw = url.slice(url.indexOf('/models/') + '/models/'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
