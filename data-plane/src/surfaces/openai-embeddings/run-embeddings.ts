import { ClientGoneError, type Exchange } from '../../http/exchange.js';
import { errors, HttpError, unexpectedError } from '../../http/errors.js';
import type { RequestHead } from '../../http/request-head.js';
import { admitGoverned, checkAccess, checkGatewayAddress, requestTags, settleGoverned } from '../../governance/govern.js';
import type { Ticket } from '../../limits/types.js';
import { authenticate, openAiCredential } from '../../pipeline/authenticate.js';
import type { PipelineDeps } from '../../pipeline/context.js';
import { requireConfig } from '../../pipeline/require-config.js';
import { resolveGroup } from '../../pipeline/resolve-model.js';
import { routeRequest } from '../../routing/route.js';
import { countTextTokens } from '../../providers/token-estimate.js';
import type { EmbeddingInput, EmbeddingResult, Provider, ProviderCall } from '../../providers/types.js';
import { toProviderError } from '../../upstream/errors.js';
import { UsageRecorder } from '../../usage/recorder.js';
import { parseEmbeddingsRequest, type ParsedEmbeddingsRequest } from './embeddings-request.js';
import { embeddingsResponse } from './embeddings-response.js';
import { embeddingsNotSupported, wrongVectorCount } from './errors.js';

/**
 * `POST /v1/embeddings`, in order (the same ordering rules as `pipeline/run-inference.ts`, whose reasons apply):
 *
 * 1. config (503);
 * 2. authenticate from the headers, before reading the body (401); from here on exactly one usage event; the key's
 *    allowed routes and IP allow lists (403);
 * 3. read the body under the size cap (413), parse and validate it (400);
 * 4. resolve the model: unknown (404) before not allowed (403); then governance: required parameters, tags and
 *    metadata, blocked end users, rate limits and budgets (400/403/429/503), settled when the request ends;
 * 5. the router picks a deployment of the model's group and retries elsewhere on upstream failures (routing/route.ts);
 *    the provider's `embed` capability, or 400 `embeddings_not_supported` naming the provider;
 * 6. encode float or base64, respond, and record the prompt tokens (output 0) and their cost.
 *
 * Steps 1–3 start synchronously, inside the uWS handler: the body reader must be attached before it returns.
 * Not a `Surface`: an embedding is one request and one JSON answer, no canonical chat events in between.
 */
export async function runEmbeddings(deps: PipelineDeps, ex: Exchange, head: RequestHead, deployment?: string): Promise<void> {
  let usage: UsageRecorder | undefined;
  let ticket: Ticket | null = null;
  try {
    const config = requireConfig(deps.config, ex);
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, openAiCredential(head), Date.now());
    usage = new UsageRecorder({ requestId: ex.requestId, key, route: head.url, dataPlaneId: deps.dataPlaneId }, deps.emitUsage);
    checkAccess(deps.governance, ex, head, key);

    const recorder = usage;
    const parsed = parseEmbeddingsRequest(await ex.readBody(deps.maxBodyBytes, head.contentLength, head.contentEncoding), deployment, (model) => (recorder.model = model));
    // `user: ""` names no end user (as the enforced-parameter check reads it).
    const endUser = head.endUser !== '' ? head.endUser : parsed.user === '' ? null : parsed.user;
    usage.endUser = endUser;

    const group = resolveGroup(config, key, parsed.model);
    usage.useModel(group.deployments[0]!);
    const governed = endUser === parsed.user ? parsed : { model: parsed.model, user: endUser, body: parsed.body };
    ticket = await admitGoverned(deps.governance, ex, config, key, governed, group.deployments[0]!, usage, { generates: false, headerTags: head.tags, sessionId: head.sessionId });

    const request = { stream: false, promptTokens: null, outputTokens: 0, tags: group.tagged ? requestTags(key, usage.tags) : new Set<string>() };
    await routeRequest(deps.router, { config, key, ex, usage, group, request, fallbacks: [] }, async (model) => {
      const provider = deps.providers.get(model.provider);
      if (provider === undefined) throw errors.providerUnavailable(model.provider);
      const result = await embed(provider, parsed, { target: model, signal: ex.signal, secrets: deps.secrets });
      const inputTokens = result.inputTokens ?? estimateInputTokens(parsed.input);
      // The provider did the work: bill it even if the client has left meanwhile.
      usage!.setTokens({ inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, estimated: result.inputTokens === undefined });
      if (ex.aborted) throw new ClientGoneError();
      ex.sendJson(200, embeddingsResponse({ model: parsed.model, vectors: result.vectors, format: parsed.encodingFormat, inputTokens }));
      usage!.finish({ status: 'success', httpStatus: 200 });
    });
    if (ticket !== null) settleGoverned(deps.governance, ticket, usage);
  } catch (err) {
    fail(deps, ex, err, usage);
    if (ticket !== null && usage !== undefined) settleGoverned(deps.governance, ticket, usage);
  }
}

/** The provider's `embed`, its failures as `HttpError`s (an adapter throws `ProviderError`s or anything else). */
async function embed(provider: Provider, parsed: ParsedEmbeddingsRequest, call: ProviderCall): Promise<EmbeddingResult> {
  if (provider.embed === undefined) throw embeddingsNotSupported(parsed.model, provider.kind);
  let result: EmbeddingResult;
  try {
    result = await provider.embed(
      {
        input: parsed.input,
        ...(parsed.dimensions !== undefined && { dimensions: parsed.dimensions }),
        ...(parsed.user !== null && { user: parsed.user }),
        ...(Object.keys(parsed.extra).length > 0 && { extra: parsed.extra }),
      },
      call,
    );
  } catch (err) {
    if (call.signal.aborted) throw new ClientGoneError();
    throw HttpError.fromProvider(toProviderError(err, provider.kind));
  }
  if (result.vectors.length !== parsed.input.length) throw wrongVectorCount(provider.kind, result.vectors.length, parsed.input.length);
  return result;
}

/**
 * Input tokens when the provider reports none: each text counted with the tokenizer (no chat formatting overhead,
 * unlike `estimatePromptTokens`), token ids one each.
 */
export function estimateInputTokens(input: readonly EmbeddingInput[]): number {
  return input.reduce((n, item) => n + (typeof item === 'string' ? countTextTokens(item) : item.length), 0);
}

/** A failed request's response and, when attributable, its usage event (as `run-inference.ts` does). */
function fail(deps: PipelineDeps, ex: Exchange, err: unknown, usage: UsageRecorder | undefined): void {
  if (err instanceof ClientGoneError || ex.aborted) {
    usage?.finish({ status: 'aborted', httpStatus: 499, errorType: 'client_disconnected', errorMessage: 'client disconnected' });
    return;
  }
  let error: HttpError;
  if (err instanceof HttpError) {
    error = err;
  } else {
    error = unexpectedError(err);
    if (error.status >= 500) deps.logger.error('embeddings request failed', { requestId: ex.requestId, error: err });
  }
  ex.sendError(error);
  usage?.finish({ status: 'error', httpStatus: error.status, errorType: error.code ?? error.type, errorMessage: error.message, refusedBy: error.refusedBy });
}
