import type { RequestHead } from '../../http/request-head.js';
import { bearerToken } from '../../pipeline/authenticate.js';

/**
 * The key an Anthropic client sends: `x-api-key` (the SDKs' `apiKey`, Claude Code's `ANTHROPIC_API_KEY`) or
 * `Authorization: Bearer` (the SDKs' `authToken`, Claude Code's `ANTHROPIC_AUTH_TOKEN`). `anthropic-version` and
 * `anthropic-beta` are not read: they change nothing in the gateway's own behaviour.
 * When both headers carry a key, `x-api-key` wins, unless it is one of Anthropic's own keys (`sk-ant-`) and the bearer
 * token is not: a developer with their real `ANTHROPIC_API_KEY` still exported and the gateway's key in
 * `ANTHROPIC_AUTH_TOKEN` sends both, and means the gateway's.
 */
export function anthropicCredential(head: Pick<RequestHead, 'xApiKey' | 'authorization'>): string | null {
  const key = head.xApiKey.trim();
  if (key === '') return bearerToken(head.authorization);
  if (!key.startsWith(ANTHROPIC_KEY_PREFIX)) return key;
  const bearer = bearerToken(head.authorization);
  return bearer !== null && !bearer.startsWith(ANTHROPIC_KEY_PREFIX) ? bearer : key;
}

/** How Anthropic's API keys (and its OAuth tokens) begin; never a gateway key. */
const ANTHROPIC_KEY_PREFIX = 'sk-ant-';
