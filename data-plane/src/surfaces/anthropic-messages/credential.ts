import type { RequestHead } from '../../http/request-head.js';
import { bearerToken } from '../../pipeline/authenticate.js';

/**
 * The key an Anthropic client sends: `x-api-key` (the SDKs' `apiKey`, Claude Code's `ANTHROPIC_API_KEY`) or
 * `Authorization: Bearer` (the SDKs' `authToken`, Claude Code's `ANTHROPIC_AUTH_TOKEN`). `anthropic-version` and
 * `anthropic-beta` are not read: they change nothing in the gateway's own behaviour.
 * When both headers carry a key, `x-api-key` wins.
 */
export function anthropicCredential(head: Pick<RequestHead, 'xApiKey' | 'authorization'>): string | null {
  const key = head.xApiKey.trim();
  return key !== '' ? key : bearerToken(head.authorization);
}
