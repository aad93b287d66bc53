import type { FinishReason } from '../canonical/events.js';
import type { ContentEvent } from './types.js';

/** One block of a non-streamed answer, in the order the model produced them. */
export type CollectedBlock =
  | { readonly type: 'text'; text: string }
  | { readonly type: 'reasoning'; text: string; signature?: string }
  | { readonly type: 'redacted-reasoning'; readonly data: string }
  | { readonly type: 'tool-call'; readonly id: string; readonly name: string; arguments: string };

export interface CollectedResponse {
  readonly blocks: CollectedBlock[];
  finishReason: FinishReason;
}

/**
 * Assembles content events into blocks for a non-streamed answer: consecutive text deltas form one text block,
 * reasoning deltas (and their signature) one reasoning block, each tool call one block.
 */
export class ResponseCollector {
  readonly response: CollectedResponse = { blocks: [], finishReason: { unified: 'stop', raw: undefined } };
  private readonly toolCalls = new Map<number, Extract<CollectedBlock, { type: 'tool-call' }>>();

  add(event: ContentEvent): void {
    const blocks = this.response.blocks;
    const last = blocks.at(-1);
    switch (event.type) {
      case 'text-delta':
        if (last?.type === 'text') last.text += event.text;
        else blocks.push({ type: 'text', text: event.text });
        break;
      case 'reasoning-delta':
        if (last?.type === 'reasoning' && last.signature === undefined) last.text += event.text;
        else blocks.push({ type: 'reasoning', text: event.text });
        break;
      case 'reasoning-signature':
        if (last?.type === 'reasoning') last.signature = event.signature;
        else blocks.push({ type: 'reasoning', text: '', signature: event.signature });
        break;
      case 'reasoning-redacted':
        blocks.push({ type: 'redacted-reasoning', data: event.data });
        break;
      case 'tool-call-start': {
        const block = { type: 'tool-call' as const, id: event.id, name: event.name, arguments: '' };
        this.toolCalls.set(event.index, block);
        blocks.push(block);
        break;
      }
      case 'tool-call-delta': {
        const block = this.toolCalls.get(event.index);
        if (block) block.arguments += event.argumentsDelta;
        break;
      }
      case 'tool-call-end':
        break;
    }
  }

  /** Text of all text blocks. */
  text(): string {
    return this.response.blocks.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  }
}
