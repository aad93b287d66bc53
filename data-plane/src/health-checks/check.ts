import { performance } from 'node:perf_hooks';
import { MAX_HEALTH_ERROR_LENGTH, type HealthCheckMode, type ModelConfig, type ModelHealthResult } from '@tollgate/schema';
import type { ProviderError } from '../canonical/errors.js';
import type { CanonicalRequest } from '../canonical/request.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Provider, ProviderCall } from '../providers/types.js';
import { isProviderError, toProviderError } from '../upstream/errors.js';
import type { SecretResolver } from '../upstream/secrets.js';

/** A check's bound when the deployment sets no `timeoutMs`. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 30_000;

/** The smallest real chat request: one user message, one output token, not streamed. */
const PING: CanonicalRequest = { stream: false, maxOutputTokens: 1, messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }] };

/**
 * Model ids that name embedding models (OpenAI `text-embedding-3-small`, Gemini `gemini-embedding-001`, Bedrock
 * `amazon.titan-embed-text-v2:0` and `cohere.embed-…`, Ollama `nomic-embed-text`): checked with an embedding. Names
 * are only a hint; see `checkDeployment` for deployments whose name says nothing (an Azure deployment's).
 */
const EMBEDDING_MODEL = /embed/i;

export interface CheckDeps {
  readonly providers: ProviderRegistry;
  readonly secrets: SecretResolver;
  readonly dataPlaneId: string;
  /** Aborts the check (the data plane is shutting down); its result then says so. */
  readonly signal?: AbortSignal;
}

/**
 * Checks one deployment with the smallest real request through its provider adapter, the path requests take, so a
 * healthy check means this data plane's credential, network path and the provider's model all work right now.
 *
 * Chat or embedding: a deployment whose provider model id looks like an embedding model (`/embed/i`) gets one
 * embedding of "ping"; any other gets a one-token chat. When that chat is refused as a request the model does not
 * serve (400 or 404, as OpenAI answers chat on an embedding model and Azure on an embedding deployment) and the
 * adapter can embed, an embedding is tried and decides; when it fails too, the chat's error is reported with the
 * embedding's beside it.
 *
 * The whole check is bounded by the deployment's `timeoutMs` (else 30 s). Nothing is logged; the error reported is
 * the provider's error as the gateway maps it, cut to 1,000 characters, with every credential resolved during the
 * check replaced by `[redacted]` (a provider echoing a key back must not put it in the control plane's database).
 * Never throws.
 */
export async function checkDeployment(target: Readonly<ModelConfig>, deps: CheckDeps): Promise<ModelHealthResult> {
  const checkedAt = new Date().toISOString();
  const started = performance.now();
  const timeoutMs = target.timeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS;
  const secrets = recordingResolver(deps.secrets);
  const result = (mode: HealthCheckMode, failure: ProviderError | null): ModelHealthResult => ({
    deploymentId: target.id,
    healthy: failure === null,
    latencyMs: Math.round(performance.now() - started),
    mode,
    error: failure === null ? null : clean(failure.message, secrets.seen),
    checkedAt,
    dataPlaneId: deps.dataPlaneId,
  });

  const provider = deps.providers.get(target.provider);
  const embeds = provider?.embed !== undefined;
  const first: HealthCheckMode = embeds && EMBEDDING_MODEL.test(target.providerModel) ? 'embedding' : 'chat';
  if (provider === undefined) {
    return result(first, { status: 500, type: 'api_error', code: 'provider_unavailable', message: `This data plane has no adapter for provider ${target.provider}.` });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = deps.signal ? AbortSignal.any([controller.signal, deps.signal]) : controller.signal;
  const call: ProviderCall = { target, signal, secrets: secrets.resolver };
  const timedOut = (): ProviderError =>
    controller.signal.aborted
      ? {
          status: 504,
          type: 'timeout_error',
          code: 'upstream_timeout',
          message: `${target.provider}: no answer within ${timeoutMs} ms (the health check's bound: the deployment's timeoutMs, else 30 s)`,
          provider: target.provider,
        }
      : { status: 503, type: 'api_error', code: 'shutting_down', message: 'The data plane shut down during the check.', provider: target.provider };
  try {
    const failure = await attempt(provider, first, call);
    if (signal.aborted) return result(first, timedOut());
    if (failure === null || first !== 'chat' || !embeds || !notServed(failure)) return result(first, failure);
    const embedFailure = await attempt(provider, 'embedding', call);
    if (signal.aborted) return result('chat', { ...failure, message: `${failure.message} (then: ${timedOut().message})` });
    if (embedFailure === null) return result('embedding', null);
    return result('chat', { ...failure, message: `${failure.message} (an embedding request failed too: ${embedFailure.message})` });
  } finally {
    clearTimeout(timer);
  }
}

/** One request in `mode`; null when it succeeded, else the failure. An abort (the timeout) ends it with null. */
async function attempt(provider: Provider, mode: HealthCheckMode, call: ProviderCall): Promise<ProviderError | null> {
  if (mode === 'embedding') {
    try {
      await provider.embed!({ input: ['ping'] }, call);
      return null;
    } catch (err) {
      return isProviderError(err) ? err : toProviderError(err, provider.kind);
    }
  }
  // The adapter's stream contract: content events, then exactly one `finish` or `error` (nothing after an abort).
  for await (const event of provider.chat(PING, call)) {
    if (event.type === 'finish') return null;
    if (event.type === 'error') return event.error;
  }
  return null;
}

/** A refusal that says the model does not take this kind of request, rather than that something is down. */
function notServed(failure: ProviderError): boolean {
  return failure.status === 400 || failure.status === 404;
}

/** Wraps a resolver to remember every secret it hands out during one check. */
function recordingResolver(inner: SecretResolver): { resolver: SecretResolver; seen: Set<string> } {
  const seen = new Set<string>();
  const keep = <T extends string | undefined>(value: T): T => {
    if (value !== undefined) seen.add(value);
    return value;
  };
  return {
    seen,
    resolver: {
      resolve: (ref) => keep(inner.resolve(ref)),
      optional: (ref) => keep(inner.optional(ref)),
    },
  };
}

/** The message without any secret resolved during the check, at most `MAX_HEALTH_ERROR_LENGTH` characters. */
function clean(message: string, secrets: ReadonlySet<string>): string {
  let out = message;
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.length > MAX_HEALTH_ERROR_LENGTH ? `${out.slice(0, MAX_HEALTH_ERROR_LENGTH - 1)}…` : out;
}
