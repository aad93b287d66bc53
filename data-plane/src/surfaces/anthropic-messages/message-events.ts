import type { ProviderKind } from '@tollgate/schema';
import type { FinishReason } from '../../canonical/events.js';
import type { HttpError } from '../../http/errors.js';
import type { FinalUsage } from '../../pipeline/accounting.js';
import type { ContentEvent, ReportedInput, StreamEncoder } from '../types.js';
import { anthropicErrorBody } from './errors.js';
import { redactedOut, signatureOut } from './signatures.js';
import { toAnthropicStop } from './stop-reason.js';
import { anthropicUsage } from './usage.js';

type BlockKind =
  | { readonly kind: 'text' | 'redacted' }
  /** `signed`: the signature came; more thinking after it starts a new block, as in the collector. */
  | { readonly kind: 'thinking'; signed: boolean }
  | { readonly kind: 'tool'; readonly toolIndex: number };
type OpenBlock = BlockKind & { readonly index: number };

/**
 * Encodes one streamed answer as Anthropic's server-sent events, in Anthropic's order:
 *
 *   event: message_start        {"type":"message_start","message":{…,"content":[],"stop_reason":null,…,"usage":{…}}}
 *   event: ping                 {"type":"ping"}
 *   event: content_block_start  {"type":"content_block_start","index":0,"content_block":{"type":"thinking",…}}
 *   event: content_block_delta  {…"delta":{"type":"thinking_delta","thinking":"…"}}  then signature_delta
 *   event: content_block_stop   {"type":"content_block_stop","index":0}
 *   …                           text (text_delta), tool_use (input_json_delta), redacted_thinking (no deltas)
 *   event: message_delta        {"type":"message_delta","delta":{"stop_reason":…,"stop_sequence":…},"usage":{…}}
 *   event: message_stop         {"type":"message_stop"}
 *
 * A failure after the start is `event: error` with Anthropic's error object, as Anthropic sends `overloaded_error`.
 *
 * Blocks open and close exactly where the non-streamed collector (`surfaces/collect.ts`) starts a new block, so
 * the SDK's accumulated `finalMessage()` equals the non-streamed message: a block is closed when the next event
 * belongs to a different block, a tool block on `tool-call-end`, and the last one before `message_delta`.
 *
 * `message_start` carries the usage known then: the input and cache counts the provider reported before its first
 * content (Gemini's first record; OpenAI and Bedrock say them only at the end), else the local prompt estimate (cache
 * counts 0), with `output_tokens` 1, as Anthropic's own message_start; the final counts, input and cache included,
 * come in `message_delta`, whose values the SDKs let supersede these (LangChain reads the input only from
 * message_start).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class MessageEventEncoder implements StreamEncoder {
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  /** Tool call index → content block index. */
  private readonly toolBlocks = new Map<number, number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    /** The provider answering, whose signatures and redacted thinking are tagged with it (`signatures.ts`). */
    private readonly provider: ProviderKind | undefined,
    private readonly estimateInputTokens: () => number,
    /** The gateway's id of the request, which an `error` event names as Anthropic's do theirs. */
    private readonly requestId?: string,
  ) {}

  start(reported?: ReportedInput): string {
    const input = reported ?? { inputTokens: this.estimateInputTokens(), cacheReadTokens: 0, cacheWriteTokens: 0 };
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage({ ...input, outputTokens: 1 }),
    };
    return sse('message_start', `{"type":"message_start","message":${JSON.stringify(message)}}`) + PING;
  }

  content(event: ContentEvent): string {
    switch (event.type) {
      case 'text-delta': {
        const opening = this.open?.kind === 'text' ? '' : this.openBlock({ kind: 'text' }, '{"type":"text","text":""}');
        return opening + this.delta(`{"type":"text_delta","text":${JSON.stringify(event.text)}}`);
      }
      case 'reasoning-delta': {
        const opening = this.open?.kind === 'thinking' && !this.open.signed ? '' : this.openBlock({ kind: 'thinking', signed: false }, THINKING_START);
        return opening + this.delta(`{"type":"thinking_delta","thinking":${JSON.stringify(event.text)}}`);
      }
      case 'reasoning-signature': {
        // A signature after other content opens a thinking block of its own, as in the collector: the thinking it
        // follows is closed, and Anthropic's stream has no way back to a closed block (Gemini streams a text answer's
        // thought signature in a last chunk, where a whole answer puts it on the text). Its place also tells which part
        // Gemini signed, the part the request translator puts it back on (`gemini/convert-messages.ts`).
        const opening = this.open?.kind === 'thinking' ? '' : this.openBlock({ kind: 'thinking', signed: false }, THINKING_START);
        if (this.open?.kind === 'thinking') this.open.signed = true;
        return opening + this.delta(`{"type":"signature_delta","signature":${JSON.stringify(signatureOut(event.signature, this.provider))}}`);
      }
      case 'reasoning-redacted':
        // Opaque and complete: a block without deltas.
        return this.openBlock({ kind: 'redacted' }, JSON.stringify({ type: 'redacted_thinking', data: redactedOut(event.data, this.provider) })) + this.closeBlock();
      case 'tool-call-start': {
        const start = JSON.stringify({ type: 'tool_use', id: event.id, name: event.name, input: {} });
        const out = this.openBlock({ kind: 'tool', toolIndex: event.index }, start);
        this.toolBlocks.set(event.index, this.open!.index);
        return out;
      }
      case 'tool-call-delta': {
        const index = this.toolBlocks.get(event.index);
        if (index === undefined) return '';
        return sse('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(event.argumentsDelta)}}}`);
      }
      case 'tool-call-end':
        return this.open?.kind === 'tool' && this.open.toolIndex === event.index ? this.closeBlock() : '';
    }
  }

  finish(reason: FinishReason, usage: FinalUsage): string {
    const delta = JSON.stringify({ type: 'message_delta', delta: toAnthropicStop(reason), usage: anthropicUsage(usage) });
    return this.closeBlock() + sse('message_delta', delta) + MESSAGE_STOP;
  }

  error(error: HttpError): string {
    return sse('error', JSON.stringify(anthropicErrorBody(error, this.requestId)));
  }

  /** Closes the open block, if any, and starts a new one with the next index. */
  private openBlock(block: BlockKind, contentBlock: string): string {
    const closing = this.closeBlock();
    const index = this.nextIndex++;
    this.open = { ...block, index };
    return closing + sse('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${contentBlock}}`);
  }

  private closeBlock(): string {
    if (this.open === undefined) return '';
    const index = this.open.index;
    this.open = undefined;
    return sse('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  }

  /** A delta for the open block. */
  private delta(delta: string): string {
    return sse('content_block_delta', `{"type":"content_block_delta","index":${this.open!.index},"delta":${delta}}`);
  }
}

const THINKING_START = '{"type":"thinking","thinking":"","signature":""}';
const PING = sse('ping', '{"type":"ping"}');
const MESSAGE_STOP = sse('message_stop', '{"type":"message_stop"}');

function sse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
