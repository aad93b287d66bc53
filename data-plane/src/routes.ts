import { errors } from './http/errors.js';
import type { Route, RouteHandler } from './http/server.js';
import type { PipelineDeps } from './pipeline/context.js';
import { liveness, readiness } from './pipeline/health.js';
import { listModels, retrieveModel } from './pipeline/models.js';
import { runInference } from './pipeline/run-inference.js';
import { azureChatSurface } from './surfaces/openai-chat/azure.js';
import { openAiChatSurface } from './surfaces/openai-chat/index.js';

/** Every route, each OpenAI route both with and without the `/v1` prefix (clients configure either base URL). */
export function routes(deps: PipelineDeps): Route[] {
  const chat: RouteHandler = (ex, head) => runInference(deps, ex, head, openAiChatSurface);
  const models: RouteHandler = (ex, head) => listModels(deps, ex, head);
  // A wildcard rather than `:model`, because model names may contain slashes (`openai/gpt-4o`).
  const model: RouteHandler = (ex, head) => retrieveModel(deps, ex, head, modelFromUrl(head.url));
  return [
    { method: 'post', pattern: '/v1/chat/completions', handler: chat },
    { method: 'post', pattern: '/chat/completions', handler: chat },
    { method: 'post', pattern: '/openai/deployments/*', handler: (ex, head) => runInference(deps, ex, head, azureChatSurface) },
    { method: 'get', pattern: '/v1/models', handler: models },
    { method: 'get', pattern: '/models', handler: models },
    { method: 'get', pattern: '/v1/models/*', handler: model },
    { method: 'get', pattern: '/models/*', handler: model },
    { method: 'get', pattern: '/health/liveness', handler: (ex) => liveness(ex) },
    { method: 'get', pattern: '/health/readiness', handler: (ex) => readiness(deps, ex) },
    { method: 'any', pattern: '/*', handler: (ex, head) => ex.sendError(errors.routeNotFound(head.method, head.url)) },
  ];
}

function modelFromUrl(url: string): string {
  const raw = url.slice(url.indexOf('/models/') + '/models/'.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
