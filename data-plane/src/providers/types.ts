import type { ModelConfig, ProviderKind } from '@tollgate/schema';
import type { CanonicalRequest, InboundProtocol } from '../canonical/request.js';
import type { ProviderError } from '../canonical/errors.js';
import type { StreamEvent } from '../canonical/events.js';
import type { SecretResolver } from '../upstream/secrets.js';

export type { CanonicalRequest } from '../canonical/request.js';
export type { StreamEvent, TokenUsage, FinishReason, UnifiedFinishReason } from '../canonical/events.js';
export type { ProviderError } from '../canonical/errors.js';

/** The deployment an adapter calls: the model config from the snapshot (provider, model id, base URL, refs). */
export type ProviderTarget = ModelConfig;

export interface ProviderCall {
  readonly target: ProviderTarget;
  /** Aborted when the client goes away: adapters abort the upstream request at once and end their stream. */
  readonly signal: AbortSignal;
  /** Resolves `env:`/`file:` credential references; never log what it returns. */
  readonly secrets: SecretResolver;
}

/** An embeddings request in canonical form (OpenAI's shape, which every provider's maps onto). */
/**
 * One input to embed: text, or token ids in the model's own tokenizer (OpenAI's `input` takes both; LangChain's
 * `OpenAIEmbeddings` sends token ids by default). Token ids go to the provider as sent: only one that knows the
 * model's tokenizer can read them.
 */
export type EmbeddingInput = string | readonly number[];

export interface EmbeddingRequest {
  readonly input: readonly EmbeddingInput[];
  readonly dimensions?: number;
  readonly user?: string;
  /**
   * The request's other fields, for providers that take them as sent (vLLM's `truncate_prompt_tokens`, NVIDIA's and
   * Cohere-style `input_type`, `truncate`): the gateway does not know every server's, and drops none.
   */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface EmbeddingResult {
  readonly vectors: readonly (readonly number[])[];
  readonly inputTokens: number | undefined;
}

/**
 * One provider, in stages: translate the canonical request into the provider's wire form, then call it and turn
 * what comes back into canonical events. `Wire` stays private to the adapter folder. Optional capabilities are
 * hooks generic code tests for, so it never names a provider.
 */
export interface ProviderAdapter<Wire> {
  readonly kind: ProviderKind;
  translateRequest(request: CanonicalRequest, target: ProviderTarget): Wire;
  /**
   * Calls upstream and yields canonical events. When `request.stream` is false the adapter should call the
   * provider's non-streaming endpoint and emit the same events from the whole response.
   */
  call(wire: Wire, call: ProviderCall, request: CanonicalRequest): AsyncIterable<StreamEvent>;
  embed?(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResult>;
  /** Exact input token count from the provider (Anthropic count_tokens); absent → local estimate. */
  countTokens?(request: CanonicalRequest, call: ProviderCall): Promise<number>;
  forward?: ForwardCapability;
}

/**
 * Same-protocol fast path: a provider that speaks an inbound protocol natively says where to send the client's
 * body as is. The pipeline then forwards bytes both ways, reading only what accounting needs.
 */
export interface ForwardCapability {
  /**
   * Whether this deployment takes `protocol` verbatim. Per deployment, not per provider: a protocol may be served
   * by some deployments of a provider and not others.
   */
  takes(protocol: InboundProtocol, target: ProviderTarget): boolean;
  /** URL and headers (auth included) for one forwarded request. Throws a `ProviderError` for missing credentials. */
  upstream(protocol: InboundProtocol, target: ProviderTarget, secrets: SecretResolver): { url: string; headers: Record<string, string> };
  /**
   * What to await before `upstream`, when there is something (an Azure deployment's Entra ID token); undefined, the
   * usual answer and the only one for most providers, when `upstream` can be called now.
   */
  ready?(target: ProviderTarget, secrets: SecretResolver): Promise<void> | undefined;
  /**
   * The upstream refused the credential in `headers` (`upstream_auth_failed`): a token to drop (Azure's Entra ID one).
   * True when one was dropped, so the next request gets a new one (`ProviderError.credentialRenewed`).
   */
  unauthorized?(target: ProviderTarget, headers: Readonly<Record<string, string>>): boolean;
  /** The provider's error response → canonical error (same mapping as its adapter uses). */
  mapError(status: number, headers: Record<string, string | string[] | undefined>, body: string): ProviderError;
  /**
   * OpenAI chat and completions: whether the deployment takes `stream_options` (default: yes). Where it does not, a
   * forwarded stream goes without, and the gateway counts its usage and writes the usage chunk the client asked for.
   */
  takesStreamOptions?(target: ProviderTarget): boolean;
  /**
   * Whether `error`, the answer to a stream sent with `stream_options`, is the deployment refusing them (remembered:
   * `takesStreamOptions` says no from then on). The stream is then sent again at once without them.
   */
  refusedStreamOptions?(target: ProviderTarget, error: Pick<ProviderError, 'status' | 'message'>): boolean;
  /**
   * Anthropic Messages: exact input tokens of a client's count_tokens body as it was sent (only the model set), so
   * what the canonical form does not model is counted too. Throws a `ProviderError`.
   */
  countTokens?(body: Record<string, unknown>, call: ProviderCall, clientHeaders?: Readonly<Record<string, string>>): Promise<number>;
}

/** A provider as generic code sees it: the adapter's stages composed, its wire type erased. */
export interface Provider {
  readonly kind: ProviderKind;
  chat(request: CanonicalRequest, call: ProviderCall): AsyncIterable<StreamEvent>;
  embed?(request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResult>;
  countTokens?(request: CanonicalRequest, call: ProviderCall): Promise<number>;
  forward?: ForwardCapability;
}

/** @deprecated name kept while callers move over: use `StreamEvent`. */
export type ProviderStreamEvent = StreamEvent;
/** @deprecated name kept while callers move over: use `CanonicalRequest`. */
export type CanonicalChatRequest = CanonicalRequest;
