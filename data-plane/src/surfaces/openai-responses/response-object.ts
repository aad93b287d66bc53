import type { ProviderKind } from '@tollgate/schema';
import type { UnifiedFinishReason } from '../../canonical/events.js';
import type { FinalUsage } from '../../pipeline/accounting.js';
import { carrySignature } from '../reasoning-carry.js';
import type { ResponseMeta } from '../types.js';
import type { ResponseEcho } from './request.js';
import { carryUnshown } from './unshown-reasoning.js';

/**
 * The Responses API `Response` object and its output items, as OpenAI sends them (the SDK's `output_text`
 * convenience is computed client-side and not sent).
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface OutputText {
  type: 'output_text';
  annotations: [];
  logprobs: [];
  text: string;
}

export interface MessageItem {
  id: string;
  type: 'message';
  status: ItemStatus;
  content: OutputText[];
  role: 'assistant';
}

export interface FunctionCallItem {
  id: string;
  type: 'function_call';
  status: ItemStatus;
  arguments: string;
  call_id: string;
  name: string;
}

/** A call of a custom tool (`custom-tools.ts`): its `input` is raw text. */
export interface CustomToolCallItem {
  id: string;
  type: 'custom_tool_call';
  status: ItemStatus;
  call_id: string;
  input: string;
  name: string;
}

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

export interface ReasoningItem {
  id: string;
  type: 'reasoning';
  /** The reasoning, when the request asked for summaries; else empty, as OpenAI's (see `unshown-reasoning.ts`). */
  summary: SummaryText[];
  /** Set when the reasoning must go back to the model next turn (see `reasoning-carry.ts`, `unshown-reasoning.ts`). */
  encrypted_content?: string;
}

/** A whole reasoning item (see `reasoningCarry`); its text is its summary when the request asked for summaries. */
export function reasoningItem(id: string, text: string, signature: string | undefined, provider: ProviderKind | undefined, summaries: boolean): ReasoningItem {
  const carried = reasoningCarry(text, signature, provider, summaries);
  return { id, type: 'reasoning', summary: summaries && text !== '' ? [{ type: 'summary_text', text }] : [], ...(carried !== undefined && { encrypted_content: carried }) };
}

/**
 * A reasoning item's `encrypted_content`: its signature, carried; and when the item shows no summary, its text too
 * (`unshown-reasoning.ts`), so the next turn still gets both. None for unsigned reasoning the summary shows.
 */
export function reasoningCarry(text: string, signature: string | undefined, provider: ProviderKind | undefined, summaries: boolean): string | undefined {
  const carried = signature === undefined ? undefined : carrySignature(signature, provider);
  return summaries || text === '' ? carried : carryUnshown(text, carried);
}

export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponseObject extends ResponseEcho {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: false;
  /** Seconds since the epoch at which the response completed; null unless `status` is `completed`. */
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  model: string;
  output: OutputItem[];
  previous_response_id: null;
  /** Always false: Tollgate is stateless, whatever the client asked for. */
  store: false;
  usage: ResponsesUsage | null;
}

/** How a response ended, from the canonical finish reason. */
export interface Ending {
  readonly status: 'completed' | 'incomplete' | 'failed';
  readonly incomplete: ResponseObject['incomplete_details'];
  readonly error: ResponseObject['error'];
  /** Status of the item that was being written when the output stopped. */
  readonly lastItemStatus: ItemStatus;
}

/**
 * `length` and `content-filter` leave an incomplete response (OpenAI's `max_output_tokens` / `content_filter`
 * reasons) whose last item is incomplete; a model that stopped with an error is a failed response.
 */
export function ending(reason: UnifiedFinishReason, raw: string | undefined): Ending {
  switch (reason) {
    case 'length':
      return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' }, error: null, lastItemStatus: 'incomplete' };
    case 'content-filter':
      return { status: 'incomplete', incomplete: { reason: 'content_filter' }, error: null, lastItemStatus: 'incomplete' };
    case 'error':
      return {
        status: 'failed',
        incomplete: null,
        error: { code: 'server_error', message: `The model stopped with an error${raw ? ` (${raw})` : ''}.` },
        lastItemStatus: 'incomplete',
      };
    case 'stop':
    case 'tool-calls':
    case 'other':
      return { status: 'completed', incomplete: null, error: null, lastItemStatus: 'completed' };
  }
}

const ITEM_PREFIX: Record<OutputItem['type'], string> = { message: 'msg', function_call: 'fc', custom_tool_call: 'ctc', reasoning: 'rs' };

/** Response and item ids derived from the request id, so any id leads straight to its request and usage row. */
export class ResponseIds {
  private readonly hex: string;

  constructor(requestId: string) {
    this.hex = requestId.replaceAll('-', '');
  }

  get response(): string {
    return `resp_${this.hex}`;
  }

  /** The id of the output item at `outputIndex`: `msg_…`, `fc_…`, `ctc_…` or `rs_…`. */
  item(type: OutputItem['type'], outputIndex: number): string {
    const prefix = ITEM_PREFIX[type];
    return `${prefix}_${this.hex}_${outputIndex}`;
  }
}

export function responsesUsage(usage: FinalUsage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function responseObject(args: {
  id: string;
  meta: ResponseMeta;
  echo: ResponseEcho;
  status: ResponseStatus;
  output: OutputItem[];
  usage: ResponsesUsage | null;
  error?: ResponseObject['error'];
  incomplete?: ResponseObject['incomplete_details'];
}): ResponseObject {
  const { echo } = args;
  // Key order follows OpenAI's own objects, so a diff against the real API reads easily.
  return {
    id: args.id,
    object: 'response',
    created_at: args.meta.created,
    status: args.status,
    background: false,
    completed_at: args.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: args.error ?? null,
    incomplete_details: args.incomplete ?? null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    model: args.meta.model,
    output: args.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: null,
    reasoning: echo.reasoning,
    store: false,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: echo.truncation,
    usage: args.usage,
    user: echo.user,
    metadata: echo.metadata,
  };
}
