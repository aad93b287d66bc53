import type { FinishReason } from '../../canonical/events.js';
import type { HttpError } from '../../http/errors.js';
import type { FinalUsage } from '../../pipeline/accounting.js';
import { carryRedacted } from '../reasoning-carry.js';
import type { ContentEvent, ResponseMeta, StreamEncoder } from '../types.js';
import { CustomInputStream } from './custom-tools.js';
import type { ResponseEcho } from './request.js';
import {
  ending,
  reasoningCarry,
  responseObject,
  ResponseIds,
  responsesUsage,
  type CustomToolCallItem,
  type FunctionCallItem,
  type ItemStatus,
  type MessageItem,
  type OutputItem,
  type ReasoningItem,
  type ResponseObject,
  type ResponseStatus,
  type ResponsesUsage,
} from './response-object.js';

/** The item being written, with its place in `output`. */
type Open =
  | { readonly kind: 'message'; readonly item: MessageItem; readonly index: number }
  /** The reasoning's text and signature, carried when it closes (`reasoningCarry`). */
  | { readonly kind: 'reasoning'; readonly item: ReasoningItem; readonly index: number; text: string; signature: string | undefined }
  /** `ended`: the call's arguments are complete (`tool-call-end`); it is closed by what comes next (see `content`). */
  | { readonly kind: 'function_call'; readonly item: FunctionCallItem; readonly index: number; readonly toolIndex: number; ended: boolean }
  /** A custom tool's call: its arguments (`{"input": …}`) are decoded as they come (see `custom-tools.ts`). */
  | {
      readonly kind: 'custom_tool_call';
      readonly item: CustomToolCallItem;
      readonly index: number;
      readonly toolIndex: number;
      ended: boolean;
      readonly input: CustomInputStream;
    };

/**
 * Canonical events → the Responses API's streaming events, each framed `event: <type>` + `data: <json>` and
 * numbered by `sequence_number` from 0:
 *
 *   response.created, response.in_progress                                    (start)
 *   reasoning:     output_item.added, reasoning_summary_part.added, reasoning_summary_text.delta × n,
 *                  reasoning_summary_text.done, reasoning_summary_part.done, output_item.done
 *                  (without the summary events when the request asked for no summary: `unshown-reasoning.ts`)
 *   text:          output_item.added, content_part.added, output_text.delta × n, output_text.done,
 *                  content_part.done, output_item.done
 *   function call: output_item.added, function_call_arguments.delta × n, function_call_arguments.done,
 *                  output_item.done
 *   custom tool:   output_item.added, custom_tool_call_input.delta × n, custom_tool_call_input.done,
 *                  output_item.done
 *   response.completed | response.incomplete (length, content filter) | response.failed     (finish)
 *
 * An item is closed (its `.done` events sent) when the next kind of content starts or the stream finishes, so
 * items never interleave and `output_index` grows by one per item; the last one closes with the finish's status
 * (`incomplete` when the output limit cut it), a function call too. A failure is `response.failed` (the terminal
 * lifecycle event) followed by an `error` event, which makes the official SDKs raise (see `error()`); it too comes
 * after the start events, which Responses clients require first. There is no `[DONE]` in this protocol.
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export class ResponsesStreamEncoder implements StreamEncoder {
  private sequence = 0;
  private started = false;
  private readonly output: OutputItem[] = [];
  private open: Open | undefined;
  private readonly ids: ResponseIds;

  constructor(
    private readonly meta: ResponseMeta,
    private readonly echo: ResponseEcho,
    /** The request's custom tools: their calls are `custom_tool_call` items. */
    private readonly customTools: ReadonlySet<string> = new Set(),
    /** Whether the request asked for reasoning summaries; else reasoning items show none, as OpenAI's. */
    private readonly summaries = false,
  ) {
    this.ids = new ResponseIds(meta.requestId);
  }

  start(): string {
    this.started = true;
    const response = this.response('in_progress', null);
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  content(event: ContentEvent): string {
    switch (event.type) {
      case 'text-delta':
        return event.text === '' ? '' : this.text(event.text);
      case 'reasoning-delta':
        return event.text === '' ? '' : this.reasoning(event.text);
      case 'reasoning-signature':
        return this.signature(event.signature);
      case 'reasoning-redacted':
        return this.redacted(event.data);
      case 'tool-call-start':
        return this.toolCallStart(event.index, event.id, event.name);
      case 'tool-call-delta':
        return this.toolCallDelta(event.index, event.argumentsDelta);
      case 'tool-call-end':
        // Not closed yet: when the output limit cut the call, the finish that follows says so (`incomplete`).
        if (this.openCall?.toolIndex === event.index) this.openCall.ended = true;
        return '';
    }
  }

  finish(reason: FinishReason, usage: FinalUsage): string {
    const end = ending(reason.unified, reason.raw);
    const closing = this.close(end.lastItemStatus);
    const response = this.response(end.status, responsesUsage(usage), end.error, end.incomplete);
    const type = end.status === 'completed' ? 'response.completed' : end.status === 'incomplete' ? 'response.incomplete' : 'response.failed';
    if (end.status !== 'failed') this.meta.keepItems?.(this.output);
    return closing + this.event(type, { response });
  }

  /**
   * A failure. `response.failed` is the terminal event Responses clients wait for; the `error` event carries the
   * fields flat, as the API reference documents them, and nested under `error`, as OpenAI sends them at runtime:
   * the official SDKs raise an APIError only for the nested form. A stream that fails before it started gets the
   * start events first: the SDKs' stream helpers take any other first event for a broken stream, not an API error.
   */
  error(error: HttpError): string {
    let out = this.started ? '' : this.start();
    if (this.openCall?.ended) out += this.close('completed');
    if (this.open !== undefined && this.open.kind !== 'reasoning') this.open.item.status = 'incomplete';
    this.open = undefined;
    const code = error.code ?? error.type;
    const failed = this.response('failed', null, { code, message: error.message });
    return (
      out +
      this.event('response.failed', { response: failed }) +
      this.event('error', { code, message: error.message, param: error.param, error: error.toBody().error })
    );
  }

  /** The open item when it is a tool call (a function's or a custom tool's). */
  private get openCall(): Extract<Open, { toolIndex: number }> | undefined {
    return this.open !== undefined && 'toolIndex' in this.open ? this.open : undefined;
  }

  private text(text: string): string {
    let out = '';
    if (this.open?.kind !== 'message') {
      out += this.close('completed');
      const index = this.output.length;
      const item: MessageItem = { id: this.ids.item('message', index), type: 'message', status: 'in_progress', content: [], role: 'assistant' };
      this.output.push(item);
      this.open = { kind: 'message', item, index };
      out += this.event('response.output_item.added', { output_index: index, item });
      const part = { type: 'output_text' as const, annotations: [] as [], logprobs: [] as [], text: '' };
      out += this.event('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part });
      item.content.push(part);
    }
    const { item, index } = this.open;
    item.content[0]!.text += text;
    return out + this.event('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: text, logprobs: [] });
  }

  private reasoning(text: string): string {
    let out = '';
    // A signed reasoning block is complete: more reasoning is a new block (Anthropic interleaved thinking).
    if (this.open?.kind !== 'reasoning' || this.open.signature !== undefined) out += this.openReasoning();
    const open = this.open as Extract<Open, { kind: 'reasoning' }>;
    open.text += text;
    if (!this.summaries) return out;
    const { item, index } = open;
    if (item.summary.length === 0) {
      const part = { type: 'summary_text' as const, text: '' };
      out += this.event('response.reasoning_summary_part.added', { item_id: item.id, output_index: index, summary_index: 0, part });
      item.summary.push(part);
    }
    item.summary[0]!.text += text;
    return out + this.event('response.reasoning_summary_text.delta', { item_id: item.id, output_index: index, summary_index: 0, delta: text });
  }

  private signature(signature: string): string {
    let out = '';
    if (this.open?.kind !== 'reasoning') out += this.openReasoning();
    (this.open as Extract<Open, { kind: 'reasoning' }>).signature = signature;
    return out;
  }

  private redacted(data: string): string {
    let out = this.close('completed');
    const index = this.output.length;
    const item: ReasoningItem = { id: this.ids.item('reasoning', index), type: 'reasoning', summary: [], encrypted_content: carryRedacted(data, this.meta.provider) };
    this.output.push(item);
    out += this.event('response.output_item.added', { output_index: index, item });
    return out + this.event('response.output_item.done', { output_index: index, item });
  }

  private openReasoning(): string {
    const out = this.close('completed');
    const index = this.output.length;
    const item: ReasoningItem = { id: this.ids.item('reasoning', index), type: 'reasoning', summary: [] };
    this.output.push(item);
    this.open = { kind: 'reasoning', item, index, text: '', signature: undefined };
    return out + this.event('response.output_item.added', { output_index: index, item });
  }

  private toolCallStart(toolIndex: number, callId: string, name: string): string {
    const out = this.close('completed');
    const index = this.output.length;
    if (this.customTools.has(name)) {
      const item: CustomToolCallItem = { id: this.ids.item('custom_tool_call', index), type: 'custom_tool_call', status: 'in_progress', call_id: callId, input: '', name };
      this.output.push(item);
      this.open = { kind: 'custom_tool_call', item, index, toolIndex, ended: false, input: new CustomInputStream() };
      return out + this.event('response.output_item.added', { output_index: index, item });
    }
    const item: FunctionCallItem = {
      id: this.ids.item('function_call', index),
      type: 'function_call',
      status: 'in_progress',
      arguments: '',
      call_id: callId,
      name,
    };
    this.output.push(item);
    this.open = { kind: 'function_call', item, index, toolIndex, ended: false };
    return out + this.event('response.output_item.added', { output_index: index, item });
  }

  private toolCallDelta(toolIndex: number, delta: string): string {
    const open = this.open;
    if (open?.kind === 'custom_tool_call' && open.toolIndex === toolIndex) return this.customInput(open.item, open.index, open.input.push(delta));
    if (open?.kind !== 'function_call' || open.toolIndex !== toolIndex || delta === '') return '';
    open.item.arguments += delta;
    return this.event('response.function_call_arguments.delta', { item_id: open.item.id, output_index: open.index, delta });
  }

  private customInput(item: CustomToolCallItem, index: number, text: string): string {
    if (text === '') return '';
    item.input += text;
    return this.event('response.custom_tool_call_input.delta', { item_id: item.id, output_index: index, delta: text });
  }

  /** Ends the open item with its `.done` events; '' when none is open. */
  private close(status: ItemStatus): string {
    const open = this.open;
    if (open === undefined) return '';
    this.open = undefined;
    const { item, index } = open;
    let out = '';
    switch (open.kind) {
      case 'message': {
        const part = open.item.content[0]!;
        out += this.event('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] });
        out += this.event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part });
        open.item.status = status;
        break;
      }
      case 'reasoning': {
        const part = open.item.summary[0];
        if (part !== undefined) {
          out += this.event('response.reasoning_summary_text.done', { item_id: item.id, output_index: index, summary_index: 0, text: part.text });
          out += this.event('response.reasoning_summary_part.done', { item_id: item.id, output_index: index, summary_index: 0, part });
        }
        const carried = reasoningCarry(open.text, open.signature, this.meta.provider, this.summaries);
        if (carried !== undefined) open.item.encrypted_content = carried;
        break;
      }
      case 'function_call':
        out += this.event('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: index,
          name: open.item.name,
          arguments: open.item.arguments,
        });
        open.item.status = status;
        break;
      case 'custom_tool_call': {
        const { input, rest } = open.input.finish();
        out += this.customInput(open.item, index, rest);
        open.item.input = input;
        open.item.status = status;
        out += this.event('response.custom_tool_call_input.done', { item_id: item.id, output_index: index, input });
        break;
      }
    }
    return out + this.event('response.output_item.done', { output_index: index, item });
  }

  private response(status: ResponseStatus, usage: ResponsesUsage | null, error?: ResponseObject['error'], incomplete?: ResponseObject['incomplete_details']): ResponseObject {
    return responseObject({ id: this.ids.response, meta: this.meta, echo: this.echo, status, output: this.output, usage, error, incomplete });
  }

  /** One SSE event; serialised at once, so later changes to the items it mentions do not leak into it. */
  private event(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...fields })}\n\n`;
  }
}
