import type { ProviderKind } from '@tollgate/schema';

/**
 * The one internal form every client protocol is translated into and every provider adapter translates out of
 * (OpenAI chat today; Anthropic messages, Gemini, Bedrock Converse later), so N protocols need N + M translators
 * rather than N × M.
 */
export type CanonicalRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export type CanonicalPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly url: string; readonly detail?: string };

export interface CanonicalMessage {
  readonly role: CanonicalRole;
  readonly content: readonly CanonicalPart[];
  readonly name?: string;
}

export interface CanonicalChatRequest {
  readonly messages: readonly CanonicalMessage[];
  /** Whether the client streams; adapters may call upstream either way but always produce events. */
  readonly stream: boolean;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  /** End-user id the client passed (`user`), for attribution upstream. */
  readonly user?: string;
}

/** The deployment an adapter calls: where and as what. Secrets are references, resolved by the adapter. */
export interface ProviderTarget {
  readonly provider: ProviderKind;
  readonly providerModel: string;
  readonly apiBase: string | null;
  readonly apiKeyRef: string | null;
}

/** Token counts as the provider reported them; `undefined` means unknown, which is not zero. */
export interface TokenUsage {
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cachedInputTokens?: number | undefined;
  readonly reasoningTokens?: number | undefined;
}

export type UnifiedFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** A normalised finish reason with the provider's own value kept beside it. */
export interface FinishReason {
  readonly unified: UnifiedFinishReason;
  readonly raw: string | undefined;
}

export interface ProviderError {
  /** HTTP status the gateway answers with when nothing has been sent yet (e.g. 502 for an upstream failure). */
  readonly status: number;
  /** OpenAI-style error type and code, so every client protocol can render it. */
  readonly type: string;
  readonly code: string | null;
  readonly message: string;
}

/**
 * What an adapter produces, in order: any number of text deltas, then exactly one `finish` or one `error`.
 * Failures are events, not throws, so a stream that fails half-way is handled like any other event.
 */
export type ProviderStreamEvent =
  | { readonly type: 'text-delta'; readonly text: string }
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage: TokenUsage }
  | { readonly type: 'error'; readonly error: ProviderError };

export interface ProviderCall {
  readonly target: ProviderTarget;
  /** Aborted when the client goes away; adapters stop reading upstream and end their stream. */
  readonly signal: AbortSignal;
}

/**
 * One provider, in stages: translate the canonical request into the provider's wire form, then call it and turn
 * what comes back into canonical events. `Wire` stays private to the adapter folder.
 */
export interface ProviderAdapter<Wire> {
  readonly kind: ProviderKind;
  translateRequest(request: CanonicalChatRequest, target: ProviderTarget): Wire;
  call(wire: Wire, call: ProviderCall): AsyncIterable<ProviderStreamEvent>;
}

/** A provider as generic code sees it: the adapter's stages composed, its wire type erased. */
export interface Provider {
  readonly kind: ProviderKind;
  chat(request: CanonicalChatRequest, call: ProviderCall): AsyncIterable<ProviderStreamEvent>;
}
