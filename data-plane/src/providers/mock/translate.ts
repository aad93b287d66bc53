import { roughPromptTokens } from '../token-estimate.js';
import type { Message } from '../../canonical/request.js';
import type { CanonicalRequest } from '../types.js';

/** What the mock "sends upstream": only what its deterministic answer depends on. */
export interface MockWire {
  readonly lastUserText: string;
  readonly promptTokens: number;
}

export function translateRequest(request: CanonicalRequest): MockWire {
  return {
    lastUserText: lastUserText(request.messages),
    promptTokens: roughPromptTokens(request.messages, request.tools),
  };
}

function lastUserText(messages: readonly Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    return m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
  }
  return '';
}
