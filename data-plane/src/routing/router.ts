import { computeCost, type RetryableFailure, type RouterConfig, type RoutingStrategy } from '@tollgate/schema';
import type { ModelGroup, RuntimeModel } from '../config/runtime.js';
import { deploymentPrice } from '../usage/cost.js';

/** Weight of a new latency sample in the moving averages. */
const EWMA_ALPHA = 0.3;
/**
 * A latency average not sampled for this long is stale: lowest latency sends the deployment one request to measure it
 * again (at most one such probe per period), and that sample starts a new average. Otherwise a deployment measured
 * slow once (a transient hiccup) would never get the request that shows it is fast again.
 */
export const LATENCY_STALE_MS = 30_000;
/** Deployments whose state is kept (one entry per deployment id this data plane has routed to). */
const MAX_TRACKED = 10_000;

/** What this data plane knows of one deployment. */
export class DeploymentState {
  inFlight = 0;
  /** Moving average of time to first token (streams), ms; NaN until sampled. */
  ttftMs = Number.NaN;
  /** Moving average of whole-answer time per output token, ms; NaN until sampled. */
  msPerToken = Number.NaN;
  /** Epoch ms of the latest sample of each average, and of the latest probe of a stale one. */
  ttftAt = 0;
  msPerTokenAt = 0;
  probedAt = 0;
  /** The minute (epoch minutes) `requests` and `tokens` count in. */
  minute = -1;
  requests = 0;
  tokens = 0;
  /** Epoch ms until which the deployment is skipped; 0: not cooling down. */
  cooldownUntil = 0;
  lastFailureAt = 0;
  /** Failure times within the window, per kind. */
  readonly failures = new Map<RetryableFailure, number[]>();

  /** Requests and tokens this minute (resetting the counters when the minute has changed). */
  thisMinute(nowMs: number): this {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.requests = 0;
      this.tokens = 0;
    }
    return this;
  }
}

/** What the strategies know of the request. */
export interface RouteRequest {
  /** Streamed answer: latency is time to first token, else time per output token. */
  readonly stream: boolean;
  /** Prompt tokens (local estimate), when some deployment of the group has a context window; else null. */
  readonly promptTokens: number | null;
  /** Output tokens the request may produce (its max_tokens, or the reservation default); 0 for a group of one. */
  readonly outputTokens: number;
  /** The request's, its key's and its team's tags (tag-based routing); empty: none. */
  readonly tags: ReadonlySet<string>;
}

/** How an answered attempt went, for the strategies. */
export interface AnsweredAttempt {
  readonly ttftMs: number | null;
  readonly totalMs: number;
  /** Input plus output tokens (this minute's tpm use). */
  readonly tokens: number;
  readonly outputTokens: number;
}

export type Pick =
  /** `coolingDown`: every eligible deployment was cooling down; this is the one that failed longest ago. */
  | { readonly deployment: RuntimeModel; readonly coolingDown: boolean }
  /** No deployment of the group has a context window the prompt fits (the largest is given). */
  | { readonly deployment: null; readonly largestWindow: number };

/**
 * Cooldowns and latency figures other data planes share (Redis); null without Redis: each data plane keeps its own.
 * Calls are fire-and-forget: routing never waits on them.
 */
export interface RouterPeers {
  /** A failure of `deploymentId`; the peers count it in the shared window and cool the deployment down for all. */
  failure(deploymentId: string, kind: RetryableFailure, config: RouterConfig, retryAfterMs: number | null): void;
  /** A finished request's latency figures. */
  latency(deploymentId: string, ttftMs: number | null, msPerToken: number | null): void;
  /** Requests started on, or tokens used by, the deployment in `minute` (epoch minutes): usage based's counts. */
  used(deploymentId: string, minute: number, requests: number, tokens: number): void;
}

/**
 * Picks a deployment of a model group for each attempt and keeps what the strategies and cooldowns need per
 * deployment: requests in flight, latency averages, this minute's requests and tokens, recent failures.
 *
 * Eligible deployments, in order of the filters: those whose tags match the request's (tag-based routing, below),
 * those whose context window (`maxInputTokens`) the prompt fits, those not yet tried by this request (a retry goes to
 * another deployment when there is one), and those not cooling down. When every eligible deployment is cooling down,
 * the one that failed longest ago is tried rather than failing outright (the caller says so if it fails too).
 *
 * Tag-based routing: a request whose tags (its own `metadata.tags`, its key's and team's) match some deployment's
 * `tags` goes to those deployments only. A request matching none goes to the deployments tagged `default`, else to the
 * untagged ones, else to any.
 */
export class Router {
  private readonly states = new Map<string, DeploymentState>();
  private peers: RouterPeers | null = null;

  constructor(private readonly random: () => number = Math.random) {}

  /** Shares failures and latency with other data planes from now on. */
  connect(peers: RouterPeers): void {
    this.peers = peers;
  }

  /** What this data plane knows of the deployment, if it has routed to it (or heard of it from peers). */
  peek(deploymentId: string): DeploymentState | undefined {
    return this.states.get(deploymentId);
  }

  state(deploymentId: string): DeploymentState {
    let state = this.states.get(deploymentId);
    if (state === undefined) {
      if (this.states.size >= MAX_TRACKED) this.states.delete(this.states.keys().next().value!);
      state = new DeploymentState();
      this.states.set(deploymentId, state);
    }
    return state;
  }

  pick(group: ModelGroup, strategy: RoutingStrategy, request: RouteRequest, tried: ReadonlySet<string>, nowMs: number): Pick {
    const all = group.deployments;
    // The common case (one untagged deployment without a window) decides nothing.
    if (all.length === 1 && all[0]!.maxInputTokens === null && all[0]!.tags.length === 0) {
      return { deployment: all[0]!, coolingDown: this.state(all[0]!.id).cooldownUntil > nowMs };
    }
    const tagged = byTags(all, request.tags);
    let fits = tagged;
    const prompt = request.promptTokens;
    if (prompt !== null) {
      fits = tagged.filter((d) => d.maxInputTokens === null || prompt <= d.maxInputTokens);
      if (fits.length === 0) return { deployment: null, largestWindow: Math.max(...tagged.map((d) => d.maxInputTokens ?? 0)) };
    }
    let candidates = tried.size > 0 ? fits.filter((d) => !tried.has(d.id)) : fits;
    if (candidates.length === 0) candidates = fits;
    const healthy = candidates.filter((d) => this.state(d.id).cooldownUntil <= nowMs);
    if (healthy.length === 0) {
      let oldest = candidates[0]!;
      for (const d of candidates) if (this.state(d.id).lastFailureAt < this.state(oldest.id).lastFailureAt) oldest = d;
      return { deployment: oldest, coolingDown: true };
    }
    return { deployment: this.choose(healthy, strategy, request, nowMs), coolingDown: false };
  }

  /** An attempt starts on `deployment`. */
  started(deployment: RuntimeModel, nowMs: number): void {
    const state = this.state(deployment.id).thisMinute(nowMs);
    state.inFlight++;
    state.requests++;
    this.peers?.used(deployment.id, state.minute, 1, 0);
  }

  /**
   * An attempt ended: frees its in-flight slot. An answered one (`result`; null for a failed attempt) also feeds the
   * latency averages and this minute's tokens: `ttftMs` (streams; null when no token came), `totalMs` and the tokens.
   */
  ended(deployment: RuntimeModel, result: AnsweredAttempt | null, nowMs: number): void {
    const state = this.state(deployment.id).thisMinute(nowMs);
    state.inFlight = Math.max(0, state.inFlight - 1);
    if (result === null) return;
    state.tokens += result.tokens;
    this.peers?.used(deployment.id, state.minute, 0, result.tokens);
    const perToken = result.outputTokens > 0 ? result.totalMs / result.outputTokens : null;
    this.observeLatency(state, result.ttftMs, perToken, nowMs);
    this.peers?.latency(deployment.id, result.ttftMs, perToken);
  }

  /** Latency figures of one request (this data plane's, or a peer's); a stale average starts again from the sample. */
  observeLatency(state: DeploymentState, ttftMs: number | null, msPerToken: number | null, nowMs: number): void {
    if (ttftMs !== null) {
      state.ttftMs = averaged(state.ttftMs, state.ttftAt, ttftMs, nowMs);
      state.ttftAt = nowMs;
    }
    if (msPerToken !== null) {
      state.msPerToken = averaged(state.msPerToken, state.msPerTokenAt, msPerToken, nowMs);
      state.msPerTokenAt = nowMs;
    }
  }

  /**
   * A retryable failure of `deployment`: counted in the failure window of its kind; `allowedFails` of them (or the
   * kind's own number) cool the deployment down for `cooldownMs`. A `retry-after` longer than the router waits for
   * cools it down for that long at once: the provider said when to come back. With peers, they count it too.
   */
  failed(deployment: RuntimeModel, kind: RetryableFailure, config: RouterConfig, retryAfterMs: number | null, nowMs: number): void {
    const state = this.state(deployment.id);
    state.lastFailureAt = nowMs;
    const since = nowMs - config.failureWindowMs;
    const times = (state.failures.get(kind) ?? []).filter((t) => t > since);
    times.push(nowMs);
    state.failures.set(kind, times);
    const allowed = config.allowedFailsPolicy[kind] ?? config.allowedFails;
    if (times.length >= allowed) {
      this.coolDown(deployment.id, nowMs + Math.max(config.cooldownMs, retryAfterMs ?? 0));
      state.failures.set(kind, []);
    } else if (retryAfterMs !== null && retryAfterMs > config.maxRetryAfterMs) {
      this.coolDown(deployment.id, nowMs + retryAfterMs);
    }
    this.peers?.failure(deployment.id, kind, config, retryAfterMs);
  }

  /** Skips the deployment until `untilMs` (a later cooldown already in place stands). */
  coolDown(deploymentId: string, untilMs: number): void {
    const state = this.state(deploymentId);
    if (untilMs > state.cooldownUntil) state.cooldownUntil = untilMs;
  }

  private choose(candidates: readonly RuntimeModel[], strategy: RoutingStrategy, request: RouteRequest, nowMs: number): RuntimeModel {
    if (candidates.length === 1) return candidates[0]!;
    switch (strategy) {
      case 'weighted':
        return this.weighted(candidates);
      case 'least_busy':
        return this.lowest(candidates, (d) => this.state(d.id).inFlight);
      case 'lowest_latency': {
        // Never measured first (-1): every deployment gets a sample before the averages decide; stale ones are probed.
        const chosen = this.lowest(candidates, (d) => latencyScore(this.state(d.id), request.stream, nowMs));
        const state = this.state(chosen.id);
        if (needsProbe(state, request.stream, nowMs)) state.probedAt = nowMs;
        return chosen;
      }
      case 'usage_based':
        return this.lowest(candidates, (d) => -headroom(d, this.state(d.id).thisMinute(nowMs), request));
      case 'lowest_cost':
        // The request's size at each deployment's plain prices: not the budget estimate, whose dearest-input-price
        // bound (a Claude 1-hour cache write, 2× input) would make one provider look dearer than it bills.
        return this.lowest(candidates, (d) => Number(computeCost(deploymentPrice(d), { inputTokens: request.promptTokens ?? 1_000, outputTokens: request.outputTokens }).nanos));
    }
  }

  /** Random, in proportion to `weight`. */
  private weighted(candidates: readonly RuntimeModel[]): RuntimeModel {
    let total = 0;
    for (const d of candidates) total += d.weight;
    let point = this.random() * total;
    for (const d of candidates) {
      point -= d.weight;
      if (point < 0) return d;
    }
    return candidates[candidates.length - 1]!;
  }

  /** The candidates with the lowest score; ties by weight. */
  private lowest(candidates: readonly RuntimeModel[], score: (d: RuntimeModel) => number): RuntimeModel {
    let best = Number.POSITIVE_INFINITY;
    let tied: RuntimeModel[] = [];
    for (const d of candidates) {
      const value = score(d);
      if (value < best) {
        best = value;
        tied = [d];
      } else if (value === best) tied.push(d);
    }
    return tied.length === 1 ? tied[0]! : this.weighted(tied);
  }
}

/** A moving average with `sample` in it: the sample alone when there is none yet or it is stale. */
function averaged(average: number, sampledAt: number, sample: number, nowMs: number): number {
  return Number.isNaN(average) || nowMs - sampledAt > LATENCY_STALE_MS ? sample : average + EWMA_ALPHA * (sample - average);
}

/** Lowest latency's score: the average the request's kind is judged by; -1 (first) if never sampled or due a probe. */
function latencyScore(state: DeploymentState, stream: boolean, nowMs: number): number {
  const value = stream ? state.ttftMs : state.msPerToken;
  return Number.isNaN(value) || needsProbe(state, stream, nowMs) ? -1 : value;
}

/** The average is stale and no probe went out within the staleness period. */
function needsProbe(state: DeploymentState, stream: boolean, nowMs: number): boolean {
  const sampledAt = stream ? state.ttftAt : state.msPerTokenAt;
  return sampledAt > 0 && nowMs - sampledAt > LATENCY_STALE_MS && nowMs - state.probedAt > LATENCY_STALE_MS;
}

/**
 * Share of the deployment's capacity left this minute, after this request: the tighter of requests (`rpmLimit`) and
 * tokens (`tpmLimit`); a deployment without either counts as having all of it.
 */
function headroom(d: RuntimeModel, state: DeploymentState, request: RouteRequest): number {
  let share = 1;
  if (d.rpmLimit !== null) share = Math.min(share, (d.rpmLimit - state.requests - 1) / d.rpmLimit);
  if (d.tpmLimit !== null) share = Math.min(share, (d.tpmLimit - state.tokens - (request.promptTokens ?? 0) - request.outputTokens) / d.tpmLimit);
  return share;
}

/** Tag-based routing (see `Router`). */
function byTags(deployments: readonly RuntimeModel[], tags: ReadonlySet<string>): readonly RuntimeModel[] {
  let anyTagged = false;
  for (const d of deployments) if (d.tags.length > 0) anyTagged = true;
  if (!anyTagged) return deployments;
  if (tags.size > 0) {
    const matching = deployments.filter((d) => d.tags.some((t) => tags.has(t)));
    if (matching.length > 0) return matching;
  }
  const defaults = deployments.filter((d) => d.tags.includes('default'));
  if (defaults.length > 0) return defaults;
  const untagged = deployments.filter((d) => d.tags.length === 0);
  return untagged.length > 0 ? untagged : deployments;
}
