import type { ProviderTarget } from '../types.js';

/**
 * Whether a deployment takes chat messages of the `developer` role (OpenAI's name for `system` since o1). OpenAI and
 * Azure do; OpenAI-compatible servers often do not: DeepSeek refuses the whole request (400/422 "messages[0].role:
 * unknown variant `developer`, expected one of `system`, `user`, `assistant`, `tool`"). The translated path always
 * sends `system` (`translateRequest`); the fast path has its body's developer messages sent as `system` to
 * deployments that do not take them (`developerAsSystem`).
 */
export function takesDeveloperRole(target: ProviderTarget): boolean {
  return target.provider !== 'openai_compatible';
}

/**
 * `messages` (a chat body's, as the client sent it) with each `developer` message as a `system` one, nothing else
 * changed; `messages` itself when there is none, the common case: no copy.
 */
export function developerAsSystem(messages: unknown): unknown {
  if (!Array.isArray(messages) || !messages.some(isDeveloper)) return messages;
  return messages.map((message: unknown) => (isDeveloper(message) ? { ...message, role: 'system' } : message));
}

function isDeveloper(message: unknown): message is Record<string, unknown> {
  return typeof message === 'object' && message !== null && (message as { role?: unknown }).role === 'developer';
}
