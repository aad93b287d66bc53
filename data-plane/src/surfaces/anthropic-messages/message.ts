import type { ProviderKind } from '@tollgate/schema';
import type { CollectedBlock, CollectedResponse } from '../collect.js';
import { redactedOut, signatureOut } from './signatures.js';
import { toAnthropicStop, type AnthropicStopReason } from './stop-reason.js';
import type { AnthropicUsage } from './usage.js';

export type AnthropicResponseBlock =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/**
 * A non-streamed Anthropic `Message`. Its streamed twin is what `MessageEventEncoder` sends: the Anthropic SDK's
 * `finalMessage()` of a stream equals this object for the same answer. Signatures and redacted thinking are tagged
 * with the `provider` that wrote them (`signatures.ts`).
 * @see https://docs.anthropic.com/en/api/messages#response-id
 */
export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

export function anthropicMessage(args: { id: string; model: string; provider: ProviderKind | undefined; response: CollectedResponse; usage: AnthropicUsage }): AnthropicMessage {
  return {
    id: args.id,
    type: 'message',
    role: 'assistant',
    model: args.model,
    content: args.response.blocks.map((block) => toBlock(block, args.provider)),
    ...toAnthropicStop(args.response.finishReason),
    usage: args.usage,
  };
}

function toBlock(block: CollectedBlock, provider: ProviderKind | undefined): AnthropicResponseBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'reasoning':
      // Reasoning from a model that does not sign it (DeepSeek, OpenAI-compatible servers) gets an empty
      // signature, which the request parser reads back as "none" on the next turn.
      return { type: 'thinking', thinking: block.text, signature: block.signature === undefined ? '' : signatureOut(block.signature, provider) };
    case 'redacted-reasoning':
      return { type: 'redacted_thinking', data: redactedOut(block.data, provider) };
    case 'tool-call':
      return { type: 'tool_use', id: block.id, name: block.name, input: toolInput(block.arguments) };
  }
}

/**
 * Tool-call arguments (JSON text) → the `input` object Anthropic clients expect. Empty arguments are `{}`. Text
 * that is not a JSON object (a weaker model's broken JSON) also becomes `{}`: the client's tool then fails its own
 * input validation and reports that back to the model, which can retry, whereas failing the whole response would
 * lose the rest of the answer. Streamed answers forward the text as is (`input_json_delta`), so there the client's
 * SDK decides.
 */
export function toolInput(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
