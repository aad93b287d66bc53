import type { Exchange } from '../http/exchange.js';
import { errors, HttpError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import type { RuntimeModel } from '../config/runtime.js';
import { authenticate, openAiCredential } from './authenticate.js';
import type { PipelineDeps } from './context.js';
import { requireConfig } from './require-config.js';
import { modelsForKey, resolveModel } from './resolve-model.js';

/**
 * `GET /v1/models` and `GET /v1/models/{model}`, OpenAI list/object shapes, showing only what the key may use.
 * Listing models is metadata, not a model call: it produces no usage event (nothing to bill, and clients such as
 * chat UIs poll it).
 * @see https://platform.openai.com/docs/api-reference/models
 */
export function listModels(deps: PipelineDeps, ex: Exchange, head: RequestHead): void {
  respond(ex, () => {
    const config = requireConfig(deps.config, ex);
    const key = authenticate(config, openAiCredential(head), Date.now());
    return { object: 'list', data: modelsForKey(config, key).map((m) => modelObject(m, config.createdAt)) };
  });
}

export function retrieveModel(deps: PipelineDeps, ex: Exchange, head: RequestHead, name: string): void {
  respond(ex, () => {
    const config = requireConfig(deps.config, ex);
    const key = authenticate(config, openAiCredential(head), Date.now());
    return modelObject(resolveModel(config, key, name), config.createdAt);
  });
}

function respond(ex: Exchange, build: () => unknown): void {
  try {
    ex.sendJson(200, build());
  } catch (err) {
    ex.sendError(err instanceof HttpError ? err : errors.internal());
  }
}

function modelObject(model: RuntimeModel, created: number) {
  return { id: model.name, object: 'model', created, owned_by: 'tollgate' };
}
