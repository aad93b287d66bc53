import type { Exchange } from '../http/exchange.js';
import { errors, HttpError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { checkClientAddress } from '../governance/govern.js';
import { authenticate, openAiCredential } from './authenticate.js';
import type { PipelineDeps } from './context.js';
import { requireConfig } from './require-config.js';
import { modelsForKey, resolveModel } from './resolve-model.js';

/**
 * `GET /v1/models` and `GET /v1/models/{model}`, OpenAI list/object shapes, showing only what the key may use.
 * Listing models is metadata, not a model call: it produces no usage event (nothing to bill, and clients such as
 * chat UIs poll it). The key's and the gateway's client address lists hold as for any other call (a key used from an
 * address it may not be used from learns nothing, not even that it is valid); its allowed routes do not, as every
 * OpenAI client lists the models before calling the routes the key is limited to.
 * @see https://platform.openai.com/docs/api-reference/models
 */
export function listModels(deps: PipelineDeps, ex: Exchange, head: RequestHead): void {
  respond(ex, () => {
    const config = requireConfig(deps.config, ex);
    const key = authenticate(config, openAiCredential(head), Date.now());
    checkClientAddress(deps.governance, ex, head, key);
    // A wildcard deployment (`anthropic/*`) stands for models the gateway cannot enumerate, and its own name is not
    // one a client can call: listed, a chat UI (Open WebUI) offered it in its model picker, and choosing it failed.
    const callable = modelsForKey(config, key).filter((m) => !m.name.endsWith('*'));
    return { object: 'list', data: callable.map((m) => modelObject(m.name, config.createdAt)) };
  });
}

/** One model the key may use, by any name it may call it by (an alias, a name a wildcard serves), as that name. */
export function retrieveModel(deps: PipelineDeps, ex: Exchange, head: RequestHead, name: string): void {
  respond(ex, () => {
    const config = requireConfig(deps.config, ex);
    const key = authenticate(config, openAiCredential(head), Date.now());
    checkClientAddress(deps.governance, ex, head, key);
    resolveModel(config, key, name);
    return modelObject(name, config.createdAt);
  });
}

function respond(ex: Exchange, build: () => unknown): void {
  try {
    ex.sendJson(200, build());
  } catch (err) {
    ex.sendError(err instanceof HttpError ? err : errors.internal());
  }
}

function modelObject(id: string, created: number) {
  return { id, object: 'model', created, owned_by: 'tollgate' };
}
