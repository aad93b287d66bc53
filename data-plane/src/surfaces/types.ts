import type { ProviderKind } from '@tollgate/schema';
import type { CanonicalRequest, InboundProtocol } from '../canonical/request.js';
import type { FinishReason, StreamEvent } from '../canonical/events.js';
import type { ErrorRenderer, HttpError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import type { FinalUsage } from '../pipeline/accounting.js';
import type { CollectedResponse } from './collect.js';
import type { Exchange } from '../http/exchange.js';
import type { ForwardResult } from './forward/forwarder.js';
import type { ForwardCapability, ProviderTarget } from '../providers/types.js';
import type { SecretResolver } from '../upstream/secrets.js';
import type { UsageRecorder } from '../usage/recorder.js';

/**
 * An inbound protocol (OpenAI chat, OpenAI responses, OpenAI legacy completions, Anthropic messages): how a
 * client's request becomes canonical, and how canonical events become that client's response. The pipeline
 * (`pipeline/run-inference.ts`) is the same for all of them; a surface only translates.
 */
export interface Surface<P extends ParsedInbound = ParsedInbound> {
  readonly protocol: InboundProtocol;
  /** This protocol's error shape, used for every error on its routes. */
  readonly renderError: ErrorRenderer;
  /** The client's key from the headers this protocol's clients send it in, or null. */
  credential(head: RequestHead): string | null;
  /** Body (already size-capped) → parsed request; throws a 400 `HttpError` saying what is wrong. */
  parse(body: Buffer, head: RequestHead): P;
  /** The whole answer of a non-streamed request. */
  respond(response: CollectedResponse, meta: ResponseMeta, parsed: P, usage: FinalUsage): unknown;
  /** An encoder for one streamed answer. */
  streamEncoder(meta: ResponseMeta, parsed: P): StreamEncoder;
  /**
   * Same-protocol fast path, used when the model's deployment takes this protocol verbatim
   * (`provider.forward.takes(protocol, target)`): send the client's request upstream as is and forward the
   * answer's bytes. Returns the outcome and usage for the usage event (and the id the upstream stored the answer
   * under, Responses); throws an `HttpError` before any byte.
   */
  forward?(ex: Exchange, parsed: P, call: ForwardCall): Promise<ForwardResult>;
  /**
   * Throws the 400 a request deserves that asks for what a translated answer cannot give (the client's protocol has
   * it, the canonical form does not: log probabilities, say). Called on the translated path only, before the
   * upstream call: a forwarded request gets whatever its provider makes of it.
   */
  refuseTranslated?(parsed: P): void;
}

export interface ForwardCall {
  readonly capability: ForwardCapability;
  readonly target: ProviderTarget;
  readonly secrets: SecretResolver;
  readonly usage: UsageRecorder;
}

export interface ParsedInbound {
  /** Public model name as the client sent it. */
  readonly model: string;
  readonly stream: boolean;
  /** End-user id for attribution (OpenAI `user`, Anthropic `metadata.user_id`). */
  readonly user: string | null;
  readonly canonical: CanonicalRequest;
  /**
   * The parsed JSON body as the client sent it. Governance reads required parameters and the request's tags and
   * metadata from it, and takes the gateway's own metadata fields out before the body (or its canonical form, built
   * from it on first use) goes upstream.
   */
  readonly body: Record<string, unknown>;
}

export interface ResponseMeta {
  /** The gateway's request id (also the usage event id); surfaces derive their response ids from it. */
  readonly requestId: string;
  /** Seconds since the epoch. */
  readonly created: number;
  /** Public model name, echoed as the response's model. */
  readonly model: string;
  /**
   * The kind of provider answering, which wrote any reasoning signature in the answer (Responses carries it back
   * tagged with it). Absent only for a stream that ends with an error before any provider answered.
   */
  readonly provider?: ProviderKind;
  /**
   * Keeps a finished answer's output items for later `item_reference`s (Responses; set when the request did not say
   * `store: false`, see `openai-responses/item-store.ts`).
   */
  readonly keepItems?: (items: readonly { readonly id: string }[]) => void;
}

/** Input counts a provider reported before the end of its answer (all input, cache reads and writes included). */
export interface ReportedInput {
  readonly inputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

/** Content events: everything a stream carries that is not metadata, usage or an ending. */
export type ContentEvent = Extract<
  StreamEvent,
  { type: 'text-delta' | 'reasoning-delta' | 'reasoning-signature' | 'reasoning-redacted' | 'tool-call-start' | 'tool-call-delta' | 'tool-call-end' }
>;

/**
 * Turns canonical events into one protocol's server-sent events. Every method returns the exact text to write
 * ('' for nothing). `start` comes once, right before the first content event (not earlier: an upstream that fails
 * before producing anything can then still be retried elsewhere); `finish` and `error` are terminal. `error` on a
 * fresh encoder ends a stream that opened but never started (see `pipeline/run-inference.ts`); a protocol whose
 * streams must begin with its start events (Responses) sends them first.
 */
export interface StreamEncoder {
  /**
   * `reported`: the input counts the provider reported before the answer's first content (Anthropic's and Gemini's
   * streams say them at once; OpenAI's only at the end), for a protocol whose start carries them.
   */
  start(reported?: ReportedInput): string;
  content(event: ContentEvent): string;
  finish(reason: FinishReason, usage: FinalUsage): string;
  /** A failure after the stream started, as this protocol's in-stream error event. */
  error(error: HttpError): string;
}
