import { ANY_END_USER, estimateCostNanos } from '@tollgate/schema';
import type { RuntimeConfig, RuntimeKey, RuntimeModel } from '../config/runtime.js';
import type { Exchange } from '../http/exchange.js';
import { anthropicModifiers } from '../providers/anthropic/convert-usage.js';
import { errors } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import type { LimitSubject, ReservedOutput, Ticket } from '../limits/types.js';
import type { ParsedInbound } from '../surfaces/types.js';
import { deploymentPrice } from '../usage/cost.js';
import type { UsageRecorder } from '../usage/recorder.js';
import { takeAttribution, withHeaderTags, withSessionId } from './attribution.js';
import type { CountedSpend } from './counted-spend.js';
import { admitRequest, type GateLimiter } from './gate.js';
import { checkEnforcedParams, checkIp, checkRoute, IpAllowList } from './request-policy.js';
import { SubjectList } from './subjects.js';

/** Gateway-wide governance settings (from the data plane's environment). */
export interface GovernanceOptions {
  /** `Limiter` (Redis, with its failure mode) or, without Redis, a `LocalLimiter`. */
  readonly limiter: GateLimiter & { close(): Promise<void> };
  /** Every request's client address must be on it; null: any address. */
  readonly allowedIps: IpAllowList | null;
  /** Proxies whose `X-Forwarded-For` names the client (`clientAddress`); null: none, the peer is the client. */
  readonly trustedProxies?: IpAllowList | null;
  /** Parameters every request must carry. */
  readonly enforcedParams: readonly string[];
  /** Output tokens reserved against tpm limits and budgets for a request that sets no maximum. */
  readonly defaultReserveOutputTokens: number;
  /** Where counters live now, for readiness and metrics. */
  status(): LimitsStatus;
  /** Spend the control plane counted since the config was sent (`subjectSpend` messages), which budgets start from. */
  readonly countedSpend?: CountedSpend;
}

export interface LimitsStatus {
  /** `redis` when REDIS_URL is set (even during an outage), else `local`. */
  readonly counters: 'redis' | 'local';
  readonly failureMode: 'open' | 'closed';
  /** Redis is configured but unreachable: counting locally (open) or refusing governed requests (closed). */
  readonly degraded: boolean;
  readonly outages: number;
  readonly decidedWithoutRedis: number;
  /** Failed Redis calls waiting to be retried, and those given up on since start. */
  readonly retriesPending: number;
  readonly retriesDropped: number;
}

/**
 * Checks that need only the headers, made before the body is read: the route against the key's allowed routes, the
 * client's address against the gateway's and the key's allow lists.
 */
export function checkAccess(gov: GovernanceOptions, ex: Exchange, head: RequestHead, key: RuntimeKey): void {
  const routes = key.settings.allowedRoutes;
  if (routes !== undefined && routes.length > 0) checkRoute(routes, head.url);
  checkClientAddress(gov, ex, head, key);
}

/**
 * The gateway's allow list (`TOLLGATE_ALLOWED_IPS`), before the request's key is looked up: from elsewhere a valid key
 * and an invalid one are refused alike, so the gateway tells nobody outside which keys exist.
 */
export function checkGatewayAddress(gov: GovernanceOptions, ex: Exchange, head: RequestHead): void {
  if (gov.allowedIps === null) return;
  checkIp(clientAddress(ex.remoteAddress(), head.forwardedFor, gov.trustedProxies ?? null), null, gov.allowedIps);
}

/**
 * The client's address against the gateway's and the key's allow lists, alone: for `GET /v1/models`, which every
 * OpenAI client (Open WebUI) calls before the routes a key is limited to, so only the address is checked there.
 */
export function checkClientAddress(gov: GovernanceOptions, ex: Exchange, head: RequestHead, key: RuntimeKey): void {
  const keyIps = key.settings.allowedIps;
  if (gov.allowedIps !== null || (keyIps !== undefined && keyIps.length > 0)) {
    checkIp(clientAddress(ex.remoteAddress(), head.forwardedFor, gov.trustedProxies ?? null), keyIps ? IpAllowList.of(keyIps) : null, gov.allowedIps);
  }
}

/**
 * The client's address: the connection's peer, unless that is a trusted proxy (a load balancer in front of the data
 * plane), whose `X-Forwarded-For` then says who connected to it: the right-most address on it that is not itself a
 * trusted proxy (addresses to its left were written by the client, and prove nothing), else the left-most.
 */
export function clientAddress(peer: string, forwardedFor: string, trusted: IpAllowList | null): string {
  if (trusted === null || forwardedFor === '' || !trusted.allows(peer)) return peer;
  const hops = forwardedFor.split(',').map(hopAddress).filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.allows(hops[i]!)) return hops[i]!;
  }
  return hops[0] ?? peer;
}

/**
 * A hop's address without the port some proxies add (Azure Application Gateway: `203.0.113.9:50312`, and for IPv6
 * `[2001:db8::1]:443`); a bare IPv6 address, all colons, is left whole.
 */
function hopAddress(hop: string): string {
  const trimmed = hop.trim();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end === -1 ? trimmed : trimmed.slice(1, end);
  }
  const colon = trimmed.indexOf(':');
  return colon !== -1 && colon === trimmed.lastIndexOf(':') ? trimmed.slice(0, colon) : trimmed;
}

export interface AdmitOptions {
  /** False for a request that generates no tokens (embeddings): nothing reserved for output. */
  readonly generates?: boolean;
  /** The `metadata` fields the protocol's providers accept (Anthropic's: `user_id`); absent: any. */
  readonly upstreamMetadata?: ReadonlySet<string>;
  /** The request's `x-tollgate-tags` header, added to the body's tags. */
  readonly headerTags?: string;
  /** The coding agent's session id from its headers (`RequestHead.sessionId`), recorded as `metadata.session_id`. */
  readonly sessionId?: string;
  /** A client of Anthropic's API: the limits' state also in `anthropic-ratelimit-*` headers. */
  readonly anthropicHeaders?: boolean;
}

/**
 * Everything decided once the request is parsed and its deployment known, before the upstream call: required
 * parameters, the request's tags and metadata (taken out of the body and put on the usage event), a blocked end
 * user, then rate limits and budgets of every subject the request counts against, in one limiter call. Returns
 * the ticket to settle when the request ends, or null when no limit applies. The `x-ratelimit-*` headers go on
 * the exchange, so the answer carries them whatever it is.
 */
export async function admitGoverned(
  gov: GovernanceOptions,
  ex: Exchange,
  config: RuntimeConfig,
  key: RuntimeKey,
  parsed: Pick<ParsedInbound, 'model' | 'user' | 'body'>,
  model: RuntimeModel,
  usage: UsageRecorder,
  options: AdmitOptions = {},
): Promise<Ticket | null> {
  const s = key.settings;
  checkEnforcedParams(parsed.body, s.enforcedParams ?? [], gov.enforcedParams, parsed.user);
  const attribution = takeAttribution(parsed.body, options.upstreamMetadata);
  const tags = options.headerTags ? withHeaderTags(attribution.tags, options.headerTags) : attribution.tags;
  usage.tags = tags;
  usage.metadata = options.sessionId ? withSessionId(attribution.metadata, options.sessionId) : attribution.metadata;

  if (parsed.user === ANY_END_USER) throw errors.endUserReserved();
  const endUser = parsed.user === null ? undefined : config.endUsersByExternalId.get(parsed.user);
  if (endUser?.blocked) throw errors.endUserBlocked(endUser.externalId);
  // An end user without settings of its own takes those of the end user `*`, if there is one (see ANY_END_USER).
  const defaults = endUser === undefined && parsed.user !== null ? config.endUsersByExternalId.get(ANY_END_USER) : undefined;
  if (defaults?.blocked) throw errors.endUserUnknown(parsed.user!);

  const now = Date.now();
  const list = new SubjectList(now, gov.countedSpend);
  const limited = keyModelLimited(key, parsed.model);
  if (limited !== null) list.addKeyModel(key.id, limited, s.modelLimits![limited], s);
  list.add('key', key.id, s, 'key');
  if (key.user) list.add('user', key.user.id, key.user, 'user');
  if (key.team) {
    list.add('team', key.team.id, key.team, 'team', key.team.name);
    // Team member budgets: the key's owner, as a member of the key's team.
    const member = key.userId === null ? undefined : key.team.members?.get(key.userId);
    if (member) list.addTeamMember(key.team, key.userId!, member);
  }
  if (key.org) list.add('org', key.org.id, key.org, 'organization', key.org.name);
  if (endUser) list.add('end_user', endUser.id, endUser, 'end user', endUser.externalId);
  else if (defaults) list.addDefaultEndUser(defaults, parsed.user!);
  if (config.tagsByName.size > 0) {
    for (const name of requestTags(key, tags)) {
      const tag = config.tagsByName.get(name);
      if (tag !== undefined) list.add('tag', tag.id, tag, 'tag', tag.name);
    }
  }
  const subjects = list.subjects;
  if (subjects.length === 0) return null;

  const reserved = reservation(gov, subjects, parsed.body, model, options.generates ?? true);
  const admitted = await admitRequest(
    gov.limiter,
    { requestId: ex.requestId, subjects, reserveTokens: reserved.reserveTokens, reserveNanos: reserved.reserveNanos, reservedOutput: reserved.reservedOutput, nowMs: now },
    options.anthropicHeaders === true,
  );
  ex.extraHeaders = admitted.headers;
  return admitted.ticket;
}

/**
 * The name under which the key's per-model limits (`modelLimits`) count a request for `name`: the model an alias
 * stands for (a limit on `gpt-4o-mini` holds whether the client calls it so or by the key's alias `fast`), or the
 * alias itself when only it has a limit; null when neither has.
 */
export function keyModelLimited(key: RuntimeKey, name: string): string | null {
  const limits = key.settings.modelLimits;
  if (limits === undefined) return null;
  const target = key.settings.modelAliases?.[name] ?? name;
  if (limits[target] !== undefined) return target;
  return limits[name] !== undefined ? name : null;
}

/**
 * A fallback model's per-model limits on the key, admitted before the router falls back to it: the request was
 * admitted against the requested model's, and a fallback the key limits (which a client may name in the body's own
 * `fallbacks`) would otherwise be used past its limit. Null when the key does not limit that model (or it is the one
 * already admitted); throws the refusal when its limit is reached, and the router skips the fallback.
 */
export async function admitFallbackModel(
  gov: GovernanceOptions,
  ex: Exchange,
  key: RuntimeKey,
  parsed: Pick<ParsedInbound, 'model' | 'body'>,
  fallback: string,
  model: RuntimeModel,
): Promise<Ticket | null> {
  const limited = keyModelLimited(key, fallback);
  if (limited === null || limited === keyModelLimited(key, parsed.model)) return null;
  const now = Date.now();
  const list = new SubjectList(now, gov.countedSpend);
  list.addKeyModel(key.id, limited, key.settings.modelLimits![limited], key.settings);
  const subjects = list.subjects;
  if (subjects.length === 0) return null;
  const admitted = await admitRequest(gov.limiter, { requestId: ex.requestId, subjects, ...reservation(gov, subjects, parsed.body, model, true), nowMs: now });
  return admitted.ticket;
}

/**
 * What a request reserves until settled: its prompt estimate and output cap (or the default; none for a request that
 * generates nothing) against token limits, their estimated cost at the deployment's prices against budgets; only
 * what some subject counts.
 */
function reservation(gov: GovernanceOptions, subjects: readonly LimitSubject[], body: Record<string, unknown>, model: RuntimeModel, generates: boolean) {
  const countsTokens = subjects.some((x) => x.tpm !== null || x.budget !== null);
  const inputTokens = countsTokens ? roughBodyTokens(body) : 0;
  const cap = countsTokens && generates ? outputCap(body, model) : null;
  const outputTokens = countsTokens && generates ? (cap ?? gov.defaultReserveOutputTokens) * choicesAsked(body) : 0;
  // A tier the request asks for (OpenAI's priority costs more) is reserved at its prices too, and so are Anthropic's
  // fast mode and US-only inference (`speed`, `inference_geo`: the request asks for them in the fields its usage
  // reports them in).
  const tier = typeof body.service_tier === 'string' ? body.service_tier : undefined;
  const reserveNanos = subjects.some((x) => x.budget !== null) ? estimateCostNanos(deploymentPrice(model), inputTokens, outputTokens, 0, tier, anthropicModifiers(body)) : 0n;
  const reservedOutput: ReservedOutput = !generates
    ? { kind: 'none' }
    : cap === null
      ? { kind: 'default', param: capParam(body), defaultTokens: gov.defaultReserveOutputTokens }
      : { kind: 'cap', param: capParam(body) };
  return { reserveTokens: inputTokens + outputTokens, reserveNanos, reservedOutput };
}

/** The output cap's parameter as the request's protocol names it: the one it set, else its protocol's own. */
function capParam(body: Record<string, unknown>): string {
  for (const name of OUTPUT_CAP_NAMES) if (typeof body[name] === 'number') return name;
  return 'input' in body && !('messages' in body) ? 'max_output_tokens' : 'max_tokens';
}

/** Settles a fallback's per-model ticket of an attempt that failed before any output: it used nothing. */
export function settleUnused(gov: GovernanceOptions, ticket: Ticket): void {
  void gov.limiter.settle(ticket, { tokens: 0, nanos: 0n, nowMs: Date.now() });
}

/** Replaces the reservations with what the request used (its final tokens and exact cost); never throws. */
export function settleGoverned(gov: GovernanceOptions, ticket: Ticket, usage: UsageRecorder): void {
  void gov.limiter.settle(ticket, { tokens: usage.totalTokens, nanos: usage.cost.nanos, nowMs: Date.now() });
}



/** The key's, its team's, its organization's and the request's tags, once each. */
export function requestTags(key: RuntimeKey, own: readonly string[]): Set<string> {
  const tags = new Set<string>(own);
  for (const tag of key.settings.tags ?? []) tags.add(tag);
  for (const tag of key.team?.tags ?? []) tags.add(tag);
  for (const tag of key.org?.tags ?? []) tags.add(tag);
  return tags;
}

/**
 * How many answers the request asks for, each of which may take the whole output cap: `n` choices (chat, legacy
 * completions), or `best_of` generated to pick them from, for each of several prompts (legacy completions).
 */
export function choicesAsked(body: Record<string, unknown>): number {
  const count = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 1 ? value : 1);
  const prompts = Array.isArray(body.prompt) && body.prompt.length > 1 && typeof body.prompt[0] !== 'number' ? body.prompt.length : 1;
  return Math.max(count(body.n), count(body.best_of)) * prompts;
}

/** The request's own output cap, under any of the names the protocols use. */
export function maxOutputTokens(body: Record<string, unknown>): number | null {
  for (const name of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.ceil(value);
  }
  return null;
}

/** The names `maxOutputTokens` reads. */
const OUTPUT_CAP_NAMES: ReadonlySet<string> = new Set(['max_completion_tokens', 'max_tokens', 'max_output_tokens']);

/**
 * The output cap the deployment will be sent: the request's own, unless the deployment drops it, else the one its
 * `defaultParams` give (a vLLM deployment defaulting `max_tokens` for clients that send none); null when neither says.
 */
export function outputCap(body: Record<string, unknown>, model: Pick<RuntimeModel, 'dropParams' | 'defaultParams'>): number | null {
  const dropped = model.dropParams.some((path) => OUTPUT_CAP_NAMES.has(path));
  return (dropped ? null : maxOutputTokens(body)) ?? maxOutputTokens(model.defaultParams);
}

const TOKENS_PER_IMAGE = 85;

/**
 * Prompt tokens as a reservation estimate, read off the parsed JSON without validating or translating it (the fast
 * path never builds the canonical request): about four UTF-8 bytes per token of every string in the prompt fields
 * (four characters of English or code; a character of Chinese or Japanese, three bytes, is most of a token), a token
 * per number (token ids: embeddings' and legacy completions' `input` and `prompt` arrays), and an image's flat
 * charge for inline media (a data: URL, or a long base64 string such as Anthropic's `source.data`, is not text the
 * model reads), and each message's framing. Settling corrects it.
 */
export function roughBodyTokens(body: Record<string, unknown>): number {
  let bytes = 0;
  let numbers = 0;
  let media = 0;
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('data:') || value.length > 4_096 && looksBase64(value)) media++;
      else bytes += Buffer.byteLength(value, 'utf8');
    } else if (typeof value === 'number') {
      numbers++;
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (value !== null && typeof value === 'object') {
      // for…in rather than Object.values: no array per object (parsed JSON has no inherited enumerable keys).
      for (const name in value) walk((value as Record<string, unknown>)[name]);
    }
  };
  for (const field of ['messages', 'input', 'prompt', 'system', 'instructions', 'tools']) walk(body[field]);
  // Chat formats spend tokens on each message's framing and on priming the answer (OpenAI counts 3 per message and 3
  // more): for short messages most of the prompt.
  const messages = Array.isArray(body.messages) ? body.messages.length : Array.isArray(body.input) && typeof body.input[0] === 'object' ? body.input.length : 0;
  const framing = messages > 0 ? MESSAGE_TOKENS * messages + PRIMING_TOKENS : 0;
  return Math.ceil(bytes / 4) + numbers + media * TOKENS_PER_IMAGE + framing;
}

const MESSAGE_TOKENS = 3;
const PRIMING_TOKENS = 3;

/**
 * A long string made of base64's alphabet (standard or URL-safe), judged by its first 512 characters: minified JSON
 * or a long text without spaces (Chinese, Japanese) shows another character there, and a large image is not read whole.
 */
function looksBase64(value: string): boolean {
  return BASE64_HEAD.test(value.length > 512 ? value.slice(0, 512) : value);
}

const BASE64_HEAD = /^[A-Za-z0-9+/_-]+={0,2}$/;
