import type { RuntimeModel } from '../config/runtime.js';
import type { Exchange } from '../http/exchange.js';
import { errors, HttpError, renderOpenAiError } from '../http/errors.js';
import { renderAnthropicError } from '../surfaces/anthropic-messages/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { checkClientAddress, checkGatewayAddress } from '../governance/govern.js';
import { authenticate, openAiCredential } from './authenticate.js';
import type { PipelineDeps } from './context.js';
import { requireConfig } from './require-config.js';
import { modelsForKey, resolveModel } from './resolve-model.js';

/**
 * How a models request is answered: OpenAI's list and object, or, for a client that sends `anthropic-version` (every
 * Anthropic SDK, and Claude Code's gateway model discovery, `CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1`, which
 * reads only that shape), Anthropic's Models API: `{data: [{type, id, display_name, created_at}], has_more, first_id,
 * last_id}`, paged by `limit` (1–1000, default 20), `after_id` and `before_id`, errors in Anthropic's shape.
 * @see https://docs.anthropic.com/en/api/models-list
 */
export interface ModelsDialect {
  readonly anthropic: boolean;
}

/**
 * `GET /v1/models` and `GET /v1/models/{model}`, OpenAI list/object shapes, showing only what the key may use.
 * Listing models is metadata, not a model call: it produces no usage event (nothing to bill, and clients such as
 * chat UIs poll it). The key's and the gateway's client address lists hold as for any other call (a key used from an
 * address it may not be used from learns nothing, not even that it is valid); its allowed routes do not, as every
 * OpenAI client lists the models before calling the routes the key is limited to.
 * @see https://platform.openai.com/docs/api-reference/models
 */
export function listModels(deps: PipelineDeps, ex: Exchange, head: RequestHead, dialect: ModelsDialect = { anthropic: false }): void {
  respond(ex, dialect, () => {
    const config = requireConfig(deps.config, ex);
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, openAiCredential(head), Date.now());
    checkClientAddress(deps.governance, ex, head, key);
    // A wildcard deployment (`anthropic/*`) stands for models the gateway cannot enumerate, and its own name is not
    // one a client can call: listed, a chat UI (Open WebUI) offered it in its model picker, and choosing it failed.
    const callable = modelsForKey(config, key).filter((m) => !m.name.endsWith('*'));
    if (dialect.anthropic) return anthropicPage(callable, new URLSearchParams(head.query), config.createdAt);
    return { object: 'list', data: callable.map((m) => modelObject(m.name, createdOf(m, config.createdAt))) };
  });
}

/** One model the key may use, by any name it may call it by (an alias, a name a wildcard serves), as that name. */
export function retrieveModel(deps: PipelineDeps, ex: Exchange, head: RequestHead, name: string, dialect: ModelsDialect = { anthropic: false }): void {
  respond(ex, dialect, () => {
    const config = requireConfig(deps.config, ex);
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, openAiCredential(head), Date.now());
    checkClientAddress(deps.governance, ex, head, key);
    const created = createdOf(resolveModel(config, key, name), config.createdAt);
    return dialect.anthropic ? anthropicModel(name, created) : modelObject(name, created);
  });
}

function respond(ex: Exchange, dialect: ModelsDialect, build: () => unknown): void {
  try {
    ex.sendJson(200, build());
  } catch (err) {
    ex.sendError(err instanceof HttpError ? err : errors.internal(), dialect.anthropic ? renderAnthropicError : renderOpenAiError);
  }
}

/**
 * When a model was made, in seconds: its first deployment's creation (`createdAt` from the control plane), else
 * (a control plane that predates it, a config file's model) the config's time.
 */
function createdOf(model: RuntimeModel, fallback: number): number {
  const at = model.createdAt === null ? Number.NaN : Date.parse(model.createdAt);
  return Number.isNaN(at) ? fallback : Math.floor(at / 1000);
}

/** Anthropic's page of the key's models after `after_id` or before `before_id`, at most `limit` (default 20). */
function anthropicPage(models: readonly RuntimeModel[], query: URLSearchParams, fallback: number) {
  const names = models.map((m) => m.name);
  const limitParam = query.get('limit');
  const limit = limitParam === null ? 20 : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw errors.invalidParameter('limit', `expected an integer from 1 to 1000, got '${limitParam}'.`);
  const after = query.get('after_id');
  const before = query.get('before_id');
  const indexOf = (param: string, id: string) => {
    const at = names.indexOf(id);
    if (at === -1) throw errors.invalidParameter(param, `no model '${id}' in this list.`);
    return at;
  };
  let from = 0;
  let to = names.length;
  if (before !== null) {
    to = indexOf('before_id', before);
    from = Math.max(0, to - limit);
  } else {
    if (after !== null) from = indexOf('after_id', after) + 1;
    to = Math.min(names.length, from + limit);
  }
  const page = names.slice(from, to);
  return {
    data: models.slice(from, to).map((m) => anthropicModel(m.name, createdOf(m, fallback))),
    // Paging backwards, "more" is what comes before the page, as Anthropic's API has it.
    has_more: before !== null ? from > 0 : to < names.length,
    first_id: page[0] ?? null,
    last_id: page.at(-1) ?? null,
  };
}

function anthropicModel(id: string, created: number) {
  return { type: 'model', id, display_name: id, created_at: new Date(created * 1000).toISOString() };
}

function modelObject(id: string, created: number) {
  return { id, object: 'model', created, owned_by: 'tollgate' };
}
