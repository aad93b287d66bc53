import { estimatePromptTokens } from '../token-estimate.js';
import type { CanonicalChatRequest, CanonicalMessage } from '../types.js';

/** What the mock "sends upstream": only what its deterministic answer depends on. */
export interface MockWire {
  readonly lastUserText: string;
  readonly promptTokens: number;
}

export function translateRequest(request: CanonicalChatRequest): MockWire {
  return {
    lastUserText: lastUserText(request.messages),
    promptTokens: estimatePromptTokens(request.messages),
  };
}

function lastUserText(messages: readonly CanonicalMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    return m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
  }
  return '';
}
