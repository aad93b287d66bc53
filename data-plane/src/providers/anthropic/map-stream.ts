import type { StreamEvent } from '../../canonical/events.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { SseEvent } from '../../upstream/sse.js';
import { anthropicStreamError } from './anthropic-error.js';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-usage.js';
import { mapAnthropicStopReason } from './map-stop-reason.js';
import {
  KNOWN_BLOCK_SCHEMAS,
  KNOWN_DELTA_SCHEMAS,
  KNOWN_EVENT_SCHEMAS,
  type AnthropicStreamEvent,
  type AnthropicUsage,
} from './response-schema.js';

/**
 * Anthropic Messages stream events → canonical events.
 *
 * message_start → `response-metadata` + `usage`; thinking blocks → `reasoning-delta`s and `reasoning-signature`;
 * redacted_thinking → `reasoning-redacted`; text → `text-delta`s; tool_use → `tool-call-start`, a delta per
 * `input_json_delta`, `tool-call-end` (indexes count tool calls only; Anthropic sends one block at a time, so calls
 * never interleave); message_delta holds the stop reason and final usage, which `finish` carries at message_stop.
 * An `error` event ends the stream as a canonical error; `ping`, unknown event, block and delta types are skipped
 * (Anthropic adds new ones over time); a known event that fails to parse ends the stream with an error.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicStreamMapper {
  private metadataSent = false;
  private startUsage: AnthropicUsage | undefined;
  private deltaUsage: AnthropicUsage | undefined;
  private stopReason: string | null | undefined;
  private stopSequence: string | null | undefined;
  private toolCalls = 0;
  private readonly blocks = new Map<number, BlockState>();
  private ended = false;

  /** True once `finish` or `error` has been produced; later input is ignored. */
  get done(): boolean {
    return this.ended;
  }

  /** One SSE event as it came off the wire. */
  pushSse(sse: Pick<SseEvent, 'event' | 'data'>): StreamEvent[] {
    if (this.ended) return [];
    if (sse.event === 'error') return this.fail(anthropicStreamError(sse.data));
    let json: unknown;
    try {
      json = JSON.parse(sse.data);
    } catch {
      return this.fail(unreadable(sse.event ?? 'message', 'not JSON', sse.data));
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (type === 'error') return this.fail(anthropicStreamError(sse.data));
    return this.pushJson(json);
  }

  /** One event already decoded from JSON (the non-streaming path feeds these). */
  pushJson(json: unknown): StreamEvent[] {
    if (this.ended) return [];
    const type = (json as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !Object.hasOwn(KNOWN_EVENT_SCHEMAS, type)) return [];
    const parsed = KNOWN_EVENT_SCHEMAS[type as keyof typeof KNOWN_EVENT_SCHEMAS].safeParse(json);
    if (!parsed.success) return this.fail(unreadable(type, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), JSON.stringify(json)));
    return this.handle(parsed.data);
  }

  /** The upstream body ended: without message_stop that is a failure, never a silent finish. */
  end(): StreamEvent[] {
    if (this.ended) return [];
    return this.fail({ status: 502, type: 'api_error', code: 'upstream_error', message: 'anthropic: the stream ended before message_stop', provider: 'anthropic' });
  }

  private handle(event: AnthropicStreamEvent): StreamEvent[] {
    switch (event.type) {
      case 'message_start': {
        const out: StreamEvent[] = [];
        if (!this.metadataSent) {
          this.metadataSent = true;
          const { id, model } = event.message;
          out.push({ type: 'response-metadata', ...(id !== undefined && { id }), ...(model !== undefined && { model }) });
        }
        if (event.message.usage) {
          this.startUsage = event.message.usage;
          out.push({ type: 'usage', usage: convertAnthropicUsage(event.message.usage) });
        }
        return out;
      }
      case 'content_block_start':
        return this.startBlock(event.index, event.content_block);
      case 'content_block_delta':
        return this.delta(event.index, event.delta);
      case 'content_block_stop':
        return this.stopBlock(event.index);
      case 'message_delta':
        this.stopReason = event.delta.stop_reason;
        this.stopSequence = event.delta.stop_sequence;
        if (event.usage) this.deltaUsage = mergeAnthropicUsage(this.deltaUsage, event.usage);
        return [];
      case 'message_stop':
        this.ended = true;
        return [{
          type: 'finish',
          finishReason: mapAnthropicStopReason(this.stopReason, this.stopSequence),
          usage: convertAnthropicUsage(mergeAnthropicUsage(this.startUsage, this.deltaUsage)),
        }];
    }
  }

  private startBlock(index: number, block: { type: string }): StreamEvent[] {
    if (!Object.hasOwn(KNOWN_BLOCK_SCHEMAS, block.type)) {
      this.blocks.set(index, { kind: 'skipped' });
      return [];
    }
    const parsed = KNOWN_BLOCK_SCHEMAS[block.type as keyof typeof KNOWN_BLOCK_SCHEMAS].safeParse(block);
    if (!parsed.success) return this.fail(unreadable(`content_block_start (${block.type})`, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), JSON.stringify(block)));
    const b = parsed.data;
    switch (b.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        return b.text === '' ? [] : [{ type: 'text-delta', text: b.text }];
      case 'thinking': {
        this.blocks.set(index, { kind: 'thinking' });
        const out: StreamEvent[] = [];
        if (b.thinking !== '') out.push({ type: 'reasoning-delta', text: b.thinking });
        if (b.signature) out.push({ type: 'reasoning-signature', signature: b.signature });
        return out;
      }
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'skipped' });
        return [{ type: 'reasoning-redacted', data: b.data }];
      case 'tool_use': {
        const toolIndex = this.toolCalls++;
        this.blocks.set(index, { kind: 'tool', toolIndex, sawArguments: false, startInput: b.input });
        return [{ type: 'tool-call-start', index: toolIndex, id: b.id, name: b.name }];
      }
    }
  }

  private delta(index: number, delta: { type: string }): StreamEvent[] {
    const block = this.blocks.get(index);
    if (!block || block.kind === 'skipped' || !Object.hasOwn(KNOWN_DELTA_SCHEMAS, delta.type)) return [];
    const parsed = KNOWN_DELTA_SCHEMAS[delta.type as keyof typeof KNOWN_DELTA_SCHEMAS].safeParse(delta);
    if (!parsed.success) return this.fail(unreadable(`content_block_delta (${delta.type})`, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), JSON.stringify(delta)));
    const d = parsed.data;
    switch (d.type) {
      case 'text_delta':
        return block.kind === 'text' && d.text !== '' ? [{ type: 'text-delta', text: d.text }] : [];
      case 'thinking_delta':
        return block.kind === 'thinking' && d.thinking !== '' ? [{ type: 'reasoning-delta', text: d.thinking }] : [];
      case 'signature_delta':
        return block.kind === 'thinking' && d.signature !== '' ? [{ type: 'reasoning-signature', signature: d.signature }] : [];
      case 'input_json_delta':
        if (block.kind !== 'tool' || d.partial_json === '') return [];
        block.sawArguments = true;
        return [{ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: d.partial_json }];
    }
  }

  private stopBlock(index: number): StreamEvent[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (block?.kind !== 'tool') return [];
    const out: StreamEvent[] = [];
    // A call without arguments streams no JSON at all; canonical arguments are always JSON text, so say `{}`
    // (or whatever input the block started with, should Anthropic ever send it whole).
    if (!block.sawArguments) out.push({ type: 'tool-call-delta', index: block.toolIndex, argumentsDelta: initialArguments(block.startInput) });
    out.push({ type: 'tool-call-end', index: block.toolIndex });
    return out;
  }

  private fail(error: ProviderError): StreamEvent[] {
    this.ended = true;
    return [{ type: 'error', error }];
  }
}

type BlockState =
  | { readonly kind: 'text' }
  | { readonly kind: 'thinking' }
  | { readonly kind: 'tool'; readonly toolIndex: number; sawArguments: boolean; readonly startInput: unknown }
  | { readonly kind: 'skipped' };

function initialArguments(input: unknown): string {
  return typeof input === 'object' && input !== null && Object.keys(input).length > 0 ? JSON.stringify(input) : '{}';
}

function unreadable(what: string, why: string, data: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `anthropic: unreadable ${what} event (${why}): ${data.slice(0, 200)}`, provider: 'anthropic' };
}

/** Maps a whole SSE stream (e.g. `parseSse(body)`, or a recorded fixture) to canonical events. */
export async function* mapAnthropicStream(events: AsyncIterable<Pick<SseEvent, 'event' | 'data'>>): AsyncGenerator<StreamEvent> {
  const mapper = new AnthropicStreamMapper();
  for await (const sse of events) {
    yield* mapper.pushSse(sse);
    if (mapper.done) return;
  }
  yield* mapper.end();
}
