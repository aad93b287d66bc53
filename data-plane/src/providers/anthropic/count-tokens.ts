import type { ProviderCall } from '../types.js';
import { postAnthropic } from './api.js';
import { CountTokensResponse } from './response-schema.js';
import { COUNT_TOKENS_FIELDS, type AnthropicMessagesRequest } from './wire.js';

/**
 * Exact input tokens from `POST /v1/messages/count_tokens`, for the request as it would be sent (system, tools,
 * thinking included). Throws a `ProviderError` on failure.
 * @see https://docs.anthropic.com/en/api/messages-count-tokens
 */
export async function countTokens(wire: AnthropicMessagesRequest, call: ProviderCall, clientHeaders?: Readonly<Record<string, string>>): Promise<number> {
  const body: Record<string, unknown> = {};
  for (const field of COUNT_TOKENS_FIELDS) if (wire[field] !== undefined) body[field] = wire[field];
  const response = await postAnthropic('messages/count_tokens', body, call, false, clientHeaders);
  const parsed = CountTokensResponse.safeParse(await response.body.json());
  if (!parsed.success) {
    throw { status: 502, type: 'api_error', code: 'upstream_error', message: 'anthropic: unreadable count_tokens response', provider: 'anthropic' };
  }
  return parsed.data.input_tokens;
}
