/**
 * A failure as every inbound protocol can render it: the HTTP status to answer with when nothing has been sent
 * yet, an OpenAI-style type and code, and the provider's own message.
 */
export interface ProviderError {
  readonly status: number;
  /** OpenAI-style type: `invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`,
   *  `rate_limit_error`, `api_error`, `overloaded_error`, `timeout_error`. Each encoder maps it to its protocol. */
  readonly type: string;
  /**
   * Machine-readable code. Well-known ones other stages rely on: `context_length_exceeded` (prompt too long for
   * the model: a later fallback to a larger model keys on it), `content_policy_violation` (blocked by the
   * provider's safety system), `rate_limit_exceeded`, `upstream_timeout`, `upstream_unreachable`, `upstream_error`,
   * `malformed_model_output` (the model's output was unusable, e.g. a malformed function call: not retried by the router).
   */
  readonly code: string | null;
  readonly message: string;
  /**
   * The request parameter the provider blamed (OpenAI's `error.param`: `temperature`, `messages`…), passed on to OpenAI
   * clients, whose SDKs expose it (`e.param`) so a caller can tell which of its values to fix.
   */
  readonly param?: string;
  /** Seconds the provider asked us to wait (`retry-after`), passed on to the client. */
  readonly retryAfterSeconds?: number;
  /** Which provider failed, for logs and usage events. */
  readonly provider?: string;
  /**
   * The error response's body as the provider sent it, where a client of the provider's own protocol gets it as is
   * (Anthropic's, on the Anthropic surface's count_tokens; only there is it kept).
   */
  readonly upstreamBody?: string;
  /**
   * The provider refused a credential the gateway fetches and renews (an Entra ID token), and the gateway has dropped
   * it: the next attempt on the same deployment sends a new one, so it may succeed where a fixed key would not.
   */
  readonly credentialRenewed?: boolean;
  /**
   * The provider bills the answer this error replaced: it read the prompt, and may have generated, before refusing
   * what came of it (Gemini's blocked prompt, a model's malformed function call). The `usage` event before the error
   * is then what the request cost, should it end with this error (`Accounting.failedAnswer`).
   */
  readonly billed?: boolean;
  /**
   * Azure's `innererror` on a content-filter refusal (`ResponsibleAIPolicyViolation` and the verdict per category,
   * `content_filter_result`), passed on in OpenAI-shaped errors as Azure sends it: applications show users which
   * category was filtered.
   */
  readonly innerError?: unknown;
}
