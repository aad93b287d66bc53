import { roughPromptTokens } from '../token-estimate.js';
import type { Message } from '../../canonical/request.js';
import type { CanonicalRequest } from '../types.js';

/** What the mock "sends upstream": only what its deterministic answer depends on. */
export interface MockWire {
  readonly lastUserText: string;
  readonly promptTokens: number;
  /** The request's output cap (`max_tokens` and its kin): the answer stops there, as a model's would (`length`). */
  readonly maxOutputTokens?: number;
  /** The request's stop sequences: the answer ends before the first one it would contain (`stop`). */
  readonly stop?: readonly string[];
}

export function translateRequest(request: CanonicalRequest): MockWire {
  return {
    lastUserText: lastUserText(request.messages),
    promptTokens: roughPromptTokens(request.messages, request.tools),
    ...(request.maxOutputTokens !== undefined && { maxOutputTokens: request.maxOutputTokens }),
    ...(request.stop !== undefined && request.stop.length > 0 && { stop: request.stop }),
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
