import type { ProviderCall } from '../types.js';
import { postAnthropic } from './api.js';
import { CountTokensResponse } from './response-schema.js';

/**
 * Fields of a Messages body that only generation reads: Anthropic's count_tokens refuses them (extra inputs), and
 * clients that count with the body they are about to send include them.
 */
const GENERATION_ONLY = new Set(['max_tokens', 'stream', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'metadata', 'service_tier']);

/**
 * Exact input tokens from `POST /v1/messages/count_tokens` of an Anthropic client's count_tokens body, sent as the
 * client wrote it (the deployment's model set, generation-only fields left out), as Messages requests are forwarded:
 * whatever the canonical form does not model, a history's server tool blocks say, is counted as Anthropic counts it.
 * Throws a `ProviderError` on failure, with Anthropic's own error body (`upstreamBody`) when it answered with one.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export async function countTokensAsSent(sent: Record<string, unknown>, call: ProviderCall, clientHeaders?: Readonly<Record<string, string>>): Promise<number> {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(sent)) if (!GENERATION_ONLY.has(field)) body[field] = value;
  body.model = call.target.providerModel;
  const response = await postAnthropic('messages/count_tokens', body, call, false, clientHeaders, true);
  const parsed = CountTokensResponse.safeParse(await response.body.json());
  if (!parsed.success) {
    throw { status: 502, type: 'api_error', code: 'upstream_error', message: 'anthropic: unreadable count_tokens response', provider: 'anthropic' };
  }
  return parsed.data.input_tokens;
}
