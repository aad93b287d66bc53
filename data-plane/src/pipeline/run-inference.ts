import { ClientGoneError, type Exchange } from '../http/exchange.js';
import { errors, HttpError, unexpectedError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { estimatePromptTokens } from '../providers/token-estimate.js';
import type { InboundProtocol } from '../canonical/request.js';
import type { ParsedInbound, Surface } from '../surfaces/types.js';
import { UsageRecorder, type UsageOutcome } from '../usage/recorder.js';
import { admitFallbackModel, admitGoverned, type AdmitOptions, checkAccess, checkGatewayAddress, maxOutputTokens, requestTags, roughBodyTokens, settleGoverned, settleUnused } from '../governance/govern.js';
import type { ModelGroup, RuntimeKey, RuntimeModel } from '../config/runtime.js';
import { routeRequest, takeRequestFallbacks } from '../routing/route.js';
import type { RouteRequest } from '../routing/router.js';
import type { Ticket } from '../limits/types.js';
import { Accounting } from './accounting.js';
import { authenticate } from './authenticate.js';
import type { PipelineDeps } from './context.js';
import { jsonResponse } from './json-response.js';
import { requireConfig } from './require-config.js';
import { resolveGroup } from './resolve-model.js';
import { streamResponse } from './stream-response.js';
import { resolveItemReferences } from '../surfaces/openai-responses/item-store.js';

/**
 * Every inference route (OpenAI chat, responses, legacy completions, Anthropic messages), one pipeline, in order.
 * Each ordering rule has its reason:
 *
 * 1. config: nothing can be decided without a snapshot (503); the gateway's IP allow list, before the key is looked
 *    up, so a client outside it learns nothing of which keys exist (403).
 * 2. authenticate, from the headers alone and BEFORE reading the body, so an unauthenticated client cannot make
 *    the gateway buffer up to maxBodyBytes (401). From here on the request is attributable and ends in exactly one
 *    usage event, whatever happens. The key's allowed routes and IP allow list are checked here too (403):
 *    they need only the headers.
 * 3. read the body under the size cap (413), parse it in the surface's protocol (400). Surfaces with a fast path
 *    check only what routing needs here (model, stream, user); the rest is validated in step 5, by whoever handles
 *    it: the provider (fast path) or the translation.
 * 4. resolve the model: unknown (404) is checked before allowed (403). Then governance (`governance/govern.ts`):
 *    required parameters (400), the request's tags and metadata taken out of the body, a blocked end user (403),
 *    and one limiter call for every rate limit and budget the request counts against (429, or 503 when the shared
 *    counters are out of reach and the limiter fails closed). An admitted request's reservations are settled with
 *    its actual tokens and cost when it ends, however it ends.
 * 5. same protocol on both sides (OpenAI chat or completions in, an OpenAI-speaking provider out; Responses in,
 *    OpenAI out): forward the bytes (fast path). Otherwise provider adapter → upstream call → canonical events →
 *    the surface's response; only then is the body validated in full and translated (a 400 for what the target
 *    cannot do, e.g. stored responses on a translated Responses request). Either way a client that leaves aborts
 *    the upstream request (the exchange's signal is the upstream call's signal).
 *
 * Steps 1–3 start synchronously, inside the uWS handler: the body reader must be attached before it returns.
 * Errors anywhere are rendered in the surface's own error format.
 */
export async function runInference<P extends ParsedInbound>(deps: PipelineDeps, ex: Exchange, head: RequestHead, surface: Surface<P>): Promise<void> {
  let usage: UsageRecorder | undefined;
  let ticket: Ticket | null = null;
  /** The per-model limits on the key of the fallback model being tried, when it has any (`admitFallbackModel`). */
  let fallbackTicket: Ticket | null = null;
  let parsed: P | undefined;
  try {
    const config = requireConfig(deps.config, ex);
    checkGatewayAddress(deps.governance, ex, head);
    const key = authenticate(config, surface.credential(head), Date.now());
    usage = new UsageRecorder({ requestId: ex.requestId, key, route: head.url, dataPlaneId: deps.dataPlaneId }, deps.emitUsage);
    checkAccess(deps.governance, ex, head, key);

    parsed = surface.parse(await ex.readBody(deps.maxBodyBytes, head.contentLength, head.contentEncoding), head);
    usage.model = parsed.model;
    usage.stream = parsed.stream;
    // The end user a client's configured header names (Claude Code's own `metadata.user_id` is a session id) first.
    // `user: ""` names no end user (as the enforced-parameter check reads it).
    const endUser = head.endUser !== '' ? head.endUser : parsed.user === '' ? null : parsed.user;
    usage.endUser = endUser;

    const group = await stickToStoredResponse(deps, key, surface.protocol, parsed, resolveGroup(config, key, parsed.model));
    // Items of earlier answers the client names by id (the AI SDK's default), before anything reads the input.
    if (surface.protocol === 'openai-responses') await resolveItemReferences(deps.responseItems, key.id, parsed.body);
    usage.useModel(group.deployments[0]!);
    const fallbacks = takeRequestFallbacks(parsed.body);
    const governed = endUser === parsed.user ? parsed : { model: parsed.model, user: endUser, body: parsed.body };
    const protocolOptions = surface.protocol === 'anthropic-messages' ? ANTHROPIC_ADMIT : undefined;
    const options = head.tags === '' && head.sessionId === '' ? protocolOptions : { ...protocolOptions, headerTags: head.tags, sessionId: head.sessionId };
    ticket = await admitGoverned(deps.governance, ex, config, key, governed, group.deployments[0]!, usage, options);

    const request = parsed;
    // Only a key with per-model limits has a fallback's own to admit.
    const enterFallback = key.settings.modelLimits === undefined ? undefined : async (next: ModelGroup): Promise<boolean> => {
      try {
        const admitted = await admitFallbackModel(deps.governance, ex, key, request, next.name, next.deployments[0]!);
        // The fallback before it failed before any output: its per-model reservation is released.
        if (fallbackTicket !== null) settleUnused(deps.governance, fallbackTicket);
        fallbackTicket = admitted;
        return true;
      } catch (err) {
        if (err instanceof HttpError && err.status === 429) return false;
        throw err;
      }
    };
    const routed = { config, key, ex, usage, group, fallbacks, request: routeInfo(deps, key, parsed, usage, group), enterFallback };
    await routeRequest(deps.router, routed, (model) => answer(deps, ex, surface, request, model, usage!));
    if (ticket !== null) settleGoverned(deps.governance, ticket, usage);
    if (fallbackTicket !== null) settleGoverned(deps.governance, fallbackTicket, usage);
  } catch (err) {
    fail(deps, ex, err, usage, surface, parsed);
    // Whatever the request used before it failed (nothing, if it never reached the upstream) replaces its reservation.
    if (ticket !== null && usage !== undefined) settleGoverned(deps.governance, ticket, usage);
    if (fallbackTicket !== null && usage !== undefined) settleGoverned(deps.governance, fallbackTicket, usage);
  }
}

/**
 * One attempt on `model`: the upstream call and the client's answer (step 5). Throws, having sent nothing, when the
 * upstream failed before the answer started; the router decides whether another attempt follows.
 */
async function answer<P extends ParsedInbound>(deps: PipelineDeps, ex: Exchange, surface: Surface<P>, parsed: P, model: RuntimeModel, usage: UsageRecorder): Promise<void> {
  const provider = deps.providers.get(model.provider);
  if (provider === undefined) throw errors.providerUnavailable(model.provider);
  const capability = provider.forward;
  if (surface.forward && capability?.takes(surface.protocol, model)) {
    const forwarded = await surface.forward(ex, parsed, { capability, target: model, secrets: deps.secrets, usage });
    if (forwarded.storedId !== undefined) deps.affinity.remember(forwarded.storedId, { deployment: model.id, key: usage.keyId });
    usage.setTokens(forwarded.usage, parsed);
    usage.finish(forwarded.outcome);
    return;
  }

  surface.refuseTranslated?.(parsed);
  const accounting = new Accounting(() => estimatePromptTokens(parsed.canonical.messages, parsed.canonical.tools));
  const events = provider.chat(parsed.canonical, { target: model, signal: ex.signal, secrets: deps.secrets });
  const keepItems = surface.protocol === 'openai-responses' && parsed.body.store !== false ? (items: readonly { readonly id: string }[]) => deps.responseItems.keep(usage.keyId, items) : undefined;
  const meta = { requestId: ex.requestId, created: Math.floor(Date.now() / 1000), model: parsed.model, provider: model.provider, ...(keepItems && { keepItems }) };
  let outcome: UsageOutcome;
  try {
    outcome = parsed.stream
      ? await streamResponse(ex, events, surface.streamEncoder(meta, parsed), accounting, usage)
      : await jsonResponse(ex, events, surface, meta, parsed, accounting);
  } catch (err) {
    // A provider error before any output: billed what the provider reported for it where it bills such an answer,
    // should the request end with it (`fail`); otherwise nothing.
    if (err instanceof HttpError) err.billed = accounting.failedAnswer();
    throw err;
  }
  // Success, client abort or a mid-stream failure: the upstream worked on the prompt, bill what it produced.
  usage.setTokens(accounting.final(), parsed);
  usage.finish(outcome);
}

/**
 * A Responses request that continues a stored response (`previous_response_id`) goes to the deployment that stored
 * it, the only one that can find it, when the model has several and that one is known (`ResponseAffinity`).
 * Otherwise the group as it is: the router picks as usual.
 *
 * A stored response is its key's: continuing one that another key created (the conversation it holds, tools' output
 * included, would reach that key's caller) is refused as the provider refuses an unknown one, so clients that start
 * afresh on `previous_response_not_found` do. One Tollgate has never seen (created elsewhere, forgotten) goes on to the
 * upstream, which decides.
 */
async function stickToStoredResponse(deps: PipelineDeps, key: RuntimeKey, protocol: InboundProtocol, parsed: ParsedInbound, group: ModelGroup): Promise<ModelGroup> {
  const previous = parsed.body.previous_response_id;
  if (protocol !== 'openai-responses' || typeof previous !== 'string' || previous === '') return group;
  const holder = await deps.affinity.lookup(previous);
  if (holder === undefined) return group;
  if (holder.key !== key.id) throw errors.previousResponseNotFound(previous);
  const deployment = group.deployments.length < 2 ? undefined : group.deployments.find((d) => d.id === holder.deployment);
  return deployment === undefined ? group : { ...group, deployments: [deployment] };
}

/** What the router's strategies need of the request; the tags and the prompt estimate only when the group uses them. */
function routeInfo(deps: PipelineDeps, key: RuntimeKey, parsed: ParsedInbound, usage: UsageRecorder, group: ModelGroup): RouteRequest {
  return {
    stream: parsed.stream,
    promptTokens: group.windowed ? roughBodyTokens(parsed.body) : null,
    // Only a choice among several deployments reads it (usage based, lowest cost).
    outputTokens: group.deployments.length > 1 ? (maxOutputTokens(parsed.body) ?? deps.governance.defaultReserveOutputTokens) : 0,
    tags: group.tagged ? requestTags(key, usage.tags) : NO_TAGS,
  };
}

const NO_TAGS: ReadonlySet<string> = new Set();

/** Anthropic takes only `user_id` in a request's `metadata` (400 for any other field); its clients read its headers. */
const ANTHROPIC_ADMIT: AdmitOptions = { upstreamMetadata: new Set(['user_id']), anthropicHeaders: true };

/**
 * The one place a failed request turns into a response and, when attributable, a usage event. A stream already
 * open (the upstream's 200 sent its head, see `Exchange.openEventStream`, and no other attempt answered) ends with
 * the protocol's error event.
 */
function fail<P extends ParsedInbound>(deps: PipelineDeps, ex: Exchange, err: unknown, usage: UsageRecorder | undefined, surface: Surface<P>, parsed: P | undefined): void {
  if (err instanceof ClientGoneError || ex.aborted) {
    usage?.finish({ status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, errorType: 'client_disconnected', errorMessage: 'client disconnected' });
    return;
  }
  let error: HttpError;
  if (err instanceof HttpError) {
    error = err;
  } else {
    error = unexpectedError(err);
    if (error.status >= 500) deps.logger.error('inference request failed', { requestId: ex.requestId, error: err });
  }
  if (error.billed !== undefined) usage?.setTokens(error.billed, parsed);
  if (!ex.headersSent) ex.sendError(error, surface.renderError);
  else if (parsed === undefined) ex.endStream();
  // Never a silently truncated 200: the stream ends with the protocol's error event.
  else ex.endStream(surface.streamEncoder({ requestId: ex.requestId, created: Math.floor(Date.now() / 1000), model: parsed.model }, parsed).error(error));
  usage?.finish({ status: 'error', httpStatus: ex.sentStatus || error.status, errorType: error.code ?? error.type, errorMessage: error.message, refusedBy: error.refusedBy });
}
