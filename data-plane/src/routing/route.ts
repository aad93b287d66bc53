import { performance } from 'node:perf_hooks';
import type { RouterConfig, RoutingStrategy } from '@tollgate/schema';
import { mayUseModel, type ModelGroup, type RuntimeConfig, type RuntimeKey, type RuntimeModel } from '../config/runtime.js';
import { ClientGoneError, type Exchange } from '../http/exchange.js';
import { errors, HttpError } from '../http/errors.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { classifyFailure, clientMayRetry, midStreamFailure, retriesSameDeployment, retryAfterMs, type AttemptFailure } from './failures.js';
import type { Pick, RouteRequest, Router } from './router.js';

/** Response header naming the deployment (model config id) that answered. */
export const DEPLOYMENT_HEADER = 'x-tollgate-deployment';
/** Response header with the number of upstream attempts, when there was more than one. */
export const ATTEMPTS_HEADER = 'x-tollgate-attempts';
/** Models one request may fall back through (the requested one included). */
const MAX_MODELS = 5;

/**
 * One attempt on a deployment: the whole upstream call and the client's response. It either answers the client
 * (success, or a failure after the answer started: the protocol's own error event) or throws before anything was sent,
 * which is when the router may try again elsewhere without the client noticing.
 */
export type Attempt = (deployment: RuntimeModel) => Promise<void>;

export interface RoutedRequest {
  readonly config: RuntimeConfig;
  readonly key: RuntimeKey;
  readonly ex: Exchange;
  readonly usage: UsageRecorder;
  /** The requested model's group (aliases resolved, access checked). */
  readonly group: ModelGroup;
  /** What the strategies need (tags, prompt estimate, stream). */
  readonly request: RouteRequest;
  /** Per-request fallbacks (the body's `fallbacks`), tried when the config names none for the failure. */
  readonly fallbacks: readonly string[];
  /**
   * Called before falling back to a model: false when the key's own limit on that model refuses it (the model is
   * then skipped, as one the key may not use). Absent: every fallback may be entered.
   */
  readonly enterFallback?: (group: ModelGroup) => Promise<boolean>;
}

interface GroupFailure {
  readonly kind: AttemptFailure;
  readonly error: HttpError;
}

/**
 * Runs a request through the router: attempts on the group's deployments, with retries and backoff, then its
 * fallbacks. The rules, in order:
 *
 * - A failure before anything reached the client is invisible to it: the router may try again. After the first byte
 *   the attempt's own error event stands (a retry would duplicate what the client already has).
 * - A retryable failure (timeout, 429, 5xx, unreachable, upstream auth) counts towards the deployment's cooldown and
 *   is retried up to `retryPolicy[kind] ?? numRetries` times, on another deployment of the group when there is one
 *   (at once), else on the same one after a backoff (exponential, full jitter) or its `retry-after`, whichever is
 *   longer. A `retry-after` over `maxRetryAfterMs` ends the retries on that deployment instead of waiting. A refused
 *   credential (upstream auth) is retried on other deployments only: the same one would be refused again.
 * - Retries used up: the general fallbacks of the requested model (`fallbacks`, else the request's own `fallbacks`).
 *   The prompt does not fit (known before the call from `maxInputTokens`, or from the provider's error): the
 *   context-window fallbacks. The provider's content filter refused: the content-policy fallbacks. Each fallback
 *   model is a group of its own, with its own retries; fallbacks the key may not use, or that do not exist, are
 *   skipped.
 * - Nothing left: the last failure goes to the client, saying what was tried, with `x-should-retry: false` when the
 *   client's own retries would only repeat the router's (`clientMayRetry`).
 */
export async function routeRequest(router: Router, routed: RoutedRequest, attempt: Attempt): Promise<void> {
  const { config, ex } = routed;
  const settings = config.router;
  const requested = routed.group.name;
  const visited = new Set<string>([requested]);
  /** The models attempted, for the error when none answered (not those skipped: the key may not know of them). */
  const tried = [requested];
  let group = routed.group;
  const attempts = { count: 0 };
  for (;;) {
    const failure = await attemptGroup(router, routed, group, settings, attempt, attempts);
    if (failure === null) return;
    let next = nextFallback(routed, settings, failure.kind, requested, visited);
    while (next !== null) {
      visited.add(next.name);
      if (routed.enterFallback === undefined || (await routed.enterFallback(next))) break;
      next = nextFallback(routed, settings, failure.kind, requested, visited);
    }
    if (next === null) throw lastWord(describe(failure, group, tried, attempts.count), attempts.count);
    tried.push(next.name);
    group = next;
    if (ex.aborted) throw new ClientGoneError();
  }
}

async function attemptGroup(
  router: Router,
  routed: RoutedRequest,
  group: ModelGroup,
  settings: RouterConfig,
  attempt: Attempt,
  attempts: { count: number },
): Promise<GroupFailure | null> {
  const { ex, usage, request } = routed;
  const strategy = settings.groupStrategies[group.name] ?? settings.strategy;
  // A group of one has nowhere else to send traffic: cooling its deployment down would change nothing but the
  // errors' wording (it is tried anyway), so only groups of several count failures.
  const cools = group.deployments.length > 1;
  let tried: Set<string> = NOTHING_TRIED;
  /** Deployments whose credential the provider refused during this request: never attempted again by it. */
  let refused: Set<string> | undefined;
  /** Deployments retried with a renewed credential during this request (`HttpError.credentialRenewed`): once each. */
  let renewed: Set<string> | undefined;
  /** The latest failure, ending the group's attempts when no deployment is left to try. */
  let failure: GroupFailure | undefined;
  let retries = 0;
  /** The last failure's `retry-after` (ms), honoured when the next attempt goes to the same deployment. */
  let waitMs = 0;
  for (;;) {
    const picked = pickUsable(router, group, strategy, request, tried, refused);
    if (picked === null) return failure!;
    if (picked.deployment === null) {
      return { kind: 'context_window', error: contextWindowError(group.name, request.promptTokens ?? 0, picked.largestWindow) };
    }
    const deployment = picked.deployment;
    if (tried.has(deployment.id)) {
      await sleep(Math.max(waitMs, backoffMs(settings, retries, Math.random)), ex);
    }
    attempts.count++;
    usage.useModel(deployment);
    setHeader(ex, DEPLOYMENT_HEADER, deployment.id);
    if (attempts.count > 1) setHeader(ex, ATTEMPTS_HEADER, String(attempts.count));
    const start = performance.now();
    router.started(deployment, Date.now());
    try {
      await attempt(deployment);
      const end = performance.now();
      const first = usage.firstTokenAt;
      const outcome = usage.outcome;
      if (outcome?.status === 'error') {
        // Failed after the answer started: the client has the protocol's error event; the deployment still failed.
        router.ended(deployment, null, Date.now());
        if (cools) router.failed(deployment, midStreamFailure(outcome.errorType), settings, null, Date.now());
        return null;
      }
      router.ended(
        deployment,
        { ttftMs: first !== null && first >= start ? first - start : null, totalMs: end - start, tokens: usage.totalTokens, outputTokens: usage.outputTokens },
        Date.now(),
      );
      return null;
    } catch (err) {
      router.ended(deployment, null, Date.now());
      // Retried until some of the answer went out: an opened stream's head and comments are not the answer.
      if (!(err instanceof HttpError) || ex.answerSent || ex.aborted) throw err;
      const kind = classifyFailure(err);
      if (kind === null) throw lastWord(err, attempts.count);
      if (kind === 'context_window' || kind === 'content_policy') return { kind, error: err };
      if (err.credentialRenewed && !(renewed ??= new Set()).has(deployment.id)) {
        // A token the gateway fetched and has now dropped (Entra ID's, revoked or expired early): sent once more with a
        // new one, as Azure's own SDKs do on a 401. Not one of the router's retries, nor the deployment's failure.
        renewed.add(deployment.id);
        failure = { kind, error: err };
        continue;
      }
      const retryAfter = retryAfterMs(err);
      if (cools) router.failed(deployment, kind, settings, retryAfter, Date.now());
      const error = picked.coolingDown ? coolingDownError(err, group) : err;
      if (retries >= (settings.retryPolicy[kind] ?? settings.numRetries)) return { kind, error };
      // A provider that asks for a longer wait than the router allows is not retried: another deployment or model may be.
      if (retryAfter !== null && retryAfter > settings.maxRetryAfterMs && group.deployments.length === 1) return { kind, error };
      retries++;
      if (tried === NOTHING_TRIED) tried = new Set();
      tried.add(deployment.id);
      if (!retriesSameDeployment(kind)) (refused ??= new Set()).add(deployment.id);
      failure = { kind, error };
      waitMs = retryAfter !== null && retryAfter <= settings.maxRetryAfterMs ? retryAfter : 0;
    }
  }
}

/** The next model to fall back to after a failure of `kind`, or null when none is left. */
function nextFallback(routed: RoutedRequest, settings: RouterConfig, kind: AttemptFailure, requested: string, visited: Set<string>): ModelGroup | null {
  if (visited.size >= MAX_MODELS) return null;
  const configured = kind === 'context_window' ? settings.contextWindowFallbacks : kind === 'content_policy' ? settings.contentPolicyFallbacks : settings.fallbacks;
  const names = configured[requested] ?? routed.fallbacks;
  for (const name of names) {
    if (visited.has(name)) continue;
    const target = routed.key.settings.modelAliases?.[name] ?? name;
    const group = routed.config.groupsByName.get(target);
    // As for the requested model (`resolveGroup`): a group's access groups are all of its deployments'.
    if (group === undefined || !group.deployments.some((d) => mayUseModel(routed.key, target, d))) {
      visited.add(name);
      continue;
    }
    return group;
  }
  return null;
}

const NOTHING_TRIED: Set<string> = new Set();

/**
 * The router's pick, never a deployment whose credential was refused during this request (`refused`); null when only
 * such deployments are left. The router prefers deployments not yet tried and, once all have been, takes any of them:
 * it is then asked again with only the refused ones to avoid, so a deployment that failed otherwise (a 502, a 429)
 * may still get its retry.
 */
function pickUsable(router: Router, group: ModelGroup, strategy: RoutingStrategy, request: RouteRequest, tried: ReadonlySet<string>, refused: ReadonlySet<string> | undefined): Pick | null {
  const picked = router.pick(group, strategy, request, tried, Date.now());
  if (refused === undefined || picked.deployment === null || !refused.has(picked.deployment.id)) return picked;
  const again = router.pick(group, strategy, request, refused, Date.now());
  return again.deployment !== null && refused.has(again.deployment.id) ? null : again;
}

/** Exponential backoff with full jitter: random in [0, min(max, base·2^(retry-1))]. */
export function backoffMs(settings: RouterConfig, retry: number, random: () => number): number {
  const ceiling = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Waits `ms` by the wall clock, or less if the client leaves (then throws: nobody is waiting for the answer). A timer
 * may fire up to a millisecond early by `Date.now()` (libuv counts from the loop's cached time): then it waits out
 * the rest, so a provider's retry-after is never cut short.
 */
function sleep(ms: number, ex: Exchange): Promise<void> {
  if (ms <= 0) return ex.aborted ? Promise.reject(new ClientGoneError()) : Promise.resolve();
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout;
    const wake = (): void => {
      const left = until - Date.now();
      if (left > 0) {
        timer = setTimeout(wake, left);
        return;
      }
      ex.signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClientGoneError());
    };
    timer = setTimeout(wake, ms);
    ex.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Adds a response header (the exchange's extra headers are the request's own object: the limiter's, or made here). */
function setHeader(ex: Exchange, name: string, value: string): void {
  (ex.extraHeaders ??= {})[name] = value;
}

function contextWindowError(model: string, promptTokens: number, largestWindow: number): HttpError {
  return new HttpError(
    400,
    'invalid_request_error',
    'context_length_exceeded',
    `This request's prompt is about ${promptTokens} tokens, more than the context window of every deployment of '${model}' (largest: ${largestWindow} tokens). Shorten the prompt or use a model with a larger window.`,
    'messages',
  );
}

function coolingDownError(err: HttpError, group: ModelGroup): HttpError {
  const note = `all ${group.deployments.length} deployments of '${group.name}' are cooling down after recent failures; the one that failed longest ago was tried`;
  return withMessage(err, `${err.message} (${note})`);
}

/** The error the client gets when nothing worked: the last failure, with the models tried when there were several. */
function describe(failure: GroupFailure, group: ModelGroup, tried: readonly string[], attempts: number): HttpError {
  const { error } = failure;
  if (tried.length === 1) return attempts <= 1 ? error : withMessage(error, `${error.message} (${attempts} attempts on '${group.name}')`);
  const models = tried.map((name) => `'${name}'`).join(', ');
  return withMessage(error, `${error.message} (after ${attempts} attempt${attempts === 1 ? '' : 's'}; models tried: ${models}; last tried: '${group.name}')`);
}

/** The error the router ends a request with, told not to retry when the client's retry could not help (`clientMayRetry`). */
function lastWord(error: HttpError, attempts: number): HttpError {
  if (!clientMayRetry(error, attempts)) error.headers['x-should-retry'] = 'false';
  return error;
}

function withMessage(err: HttpError, message: string): HttpError {
  return err.withMessage(message);
}

/** Takes the request's own fallbacks (`fallbacks`: model names) out of the body: they are the gateway's, not the provider's. */
export function takeRequestFallbacks(body: Record<string, unknown>): readonly string[] {
  const raw = body.fallbacks;
  if (raw === undefined) return NONE;
  delete body.fallbacks;
  if (!Array.isArray(raw) || !raw.every((m): m is string => typeof m === 'string' && m !== '')) {
    throw errors.invalidParameter('fallbacks', 'expected an array of model names.');
  }
  return raw;
}

const NONE: readonly string[] = Object.freeze([]);
