import type { ServerResponse } from 'node:http';
import { withPlan, type FaultPlan } from '../faults.js';
import { argumentChunks, resolveScript, type ResolvedScript } from '../script.js';
import { openAiErrorBody, sendHttpFault } from './errors.js';
import { dropConnection, pause, responseId, sendJson, startSse } from './wire.js';

/**
 * `POST /v1/responses`, OpenAI's Responses API: the resolved script rendered as a `response` object, or streamed as
 * OpenAI streams it, each event framed `event: <type>` + `data: <json>` and numbered by `sequence_number` from 0:
 *
 *   response.created, response.in_progress                          (the response, in_progress, no output yet)
 *   web search (when a web_search tool is offered): output_item.added, web_search_call.in_progress / .searching /
 *                  .completed, output_item.done
 *   reasoning:     output_item.added, reasoning_summary_part.added, reasoning_summary_text.delta × n,
 *                  reasoning_summary_text.done, reasoning_summary_part.done, output_item.done
 *   text:          output_item.added, content_part.added, output_text.delta × n, output_text.done,
 *                  content_part.done, output_item.done
 *   function call: output_item.added, function_call_arguments.delta × n, function_call_arguments.done,
 *                  output_item.done                                   (one item per call, in order)
 *   response.completed | response.incomplete                          (the whole response, with usage)
 *
 * There is no `[DONE]`. A mid-stream fault is an `error` event (the error nested, as OpenAI sends it at runtime)
 * and the end of the stream; a drop cuts the connection. Responses are kept (unless `store: false`) so
 * `previous_response_id` can name them; an unknown one is OpenAI's 400.
 * @see https://platform.openai.com/docs/api-reference/responses
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */

export interface ResponsesBody {
  model?: string;
  input?: string | InputItem[];
  instructions?: string | null;
  stream?: boolean;
  store?: boolean;
  previous_response_id?: string | null;
  tools?: Array<{ type?: string } & Record<string, unknown>>;
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  text?: Record<string, unknown>;
  reasoning?: Record<string, unknown> | null;
  metadata?: Record<string, string> | null;
  user?: string | null;
  truncation?: string | null;
}

interface InputItem {
  type?: string;
  role?: string;
  content?: string | Array<{ type?: string; text?: unknown }>;
  arguments?: string;
  output?: unknown;
}

/** Stored responses, for `previous_response_id`; one store per stand-in. */
export type ResponseStore = Map<string, Record<string, unknown>>;

type Item = Record<string, unknown> & { id: string; type: string };

const DEFAULT_ERROR = 'The server had an error while processing your request. Sorry about that!';

function text(content: InputItem['content'] | unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.flatMap((p: { text?: unknown }) => (typeof p?.text === 'string' ? [p.text] : [])).join('\n');
}

export function scriptForResponses(body: ResponsesBody): ResolvedScript {
  const input = body.input ?? [];
  const items: InputItem[] = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  const lastUser = [...items].reverse().find((item) => (item.type ?? 'message') === 'message' && item.role === 'user');
  let promptChars = typeof body.instructions === 'string' ? body.instructions.length : 0;
  for (const item of items) promptChars += text(item.content).length + (item.arguments?.length ?? 0) + (typeof item.output === 'string' ? item.output.length : text(item.output).length);
  return resolveScript(text(lastUser?.content), promptChars, 'call_');
}

export function responsesUsage(script: ResolvedScript) {
  const u = script.usage;
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cacheReadTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

export async function handleResponses(res: ServerResponse, body: ResponsesBody, plan: FaultPlan | undefined, store: ResponseStore): Promise<void> {
  if (body.previous_response_id != null && !store.has(body.previous_response_id)) {
    return sendJson(res, 400, openAiErrorBody(`Previous response with id '${body.previous_response_id}' not found.`, 'invalid_request_error', 'previous_response_not_found', 'previous_response_id'));
  }
  const script = withPlan(scriptForResponses(body), plan);
  const fault = script.fault;
  if (fault?.kind === 'hang') return;
  if (fault?.kind === 'http') return sendHttpFault(res, fault, false, script.usage.inputTokens);
  const response = new ResponseBuilder(body, script);
  if (body.stream === true) return streamResponse(res, response, script, store, body.store !== false);
  if (fault?.kind === 'drop') return dropConnection(res);
  if (fault?.kind === 'midstream') return sendJson(res, 500, openAiErrorBody(fault.message ?? DEFAULT_ERROR, 'server_error', null));
  const done = response.finished();
  if (body.store !== false) store.set(response.id, done);
  sendJson(res, 200, done, { 'x-request-id': `req_${response.id.slice(5)}` });
}

/** The response object and its items, as the script makes them. */
class ResponseBuilder {
  readonly id = responseId('resp_');
  readonly createdAt = Math.floor(Date.now() / 1000);
  private readonly hex = this.id.slice(5);
  readonly webSearch: Item | undefined;
  readonly reasoning: Item | undefined;
  readonly message: Item | undefined;
  readonly calls: Item[];

  constructor(
    private readonly body: ResponsesBody,
    private readonly script: ResolvedScript,
  ) {
    const searching = (body.tools ?? []).some((t) => t.type === 'web_search' || t.type === 'web_search_preview');
    this.webSearch = searching ? { id: `ws_${this.hex}`, type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'stand-in search' } } : undefined;
    this.reasoning = script.reasoning !== undefined ? { id: `rs_${this.hex}`, type: 'reasoning', summary: [{ type: 'summary_text', text: script.reasoning }] } : undefined;
    const truncated = script.finish === 'length' || script.finish === 'content_filter';
    this.message =
      script.text !== ''
        ? { id: `msg_${this.hex}`, type: 'message', status: truncated ? 'incomplete' : 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: script.text }], role: 'assistant' }
        : undefined;
    this.calls = script.toolCalls.map((call, i) => ({ id: `fc_${this.hex}_${i}`, type: 'function_call', status: 'completed', arguments: call.arguments, call_id: call.id, name: call.name }));
  }

  /** Every output item, in output order. */
  get output(): Item[] {
    return [this.webSearch, this.reasoning, this.message, ...this.calls].filter((item): item is Item => item !== undefined);
  }

  get status(): 'completed' | 'incomplete' {
    return this.script.finish === 'length' || this.script.finish === 'content_filter' ? 'incomplete' : 'completed';
  }

  /** The response object; `output` and `usage` as of the moment (empty and null while in progress). */
  object(status: string, output: Item[], usage: ReturnType<typeof responsesUsage> | null): Record<string, unknown> {
    const b = this.body;
    const incomplete = status === 'incomplete' ? { reason: this.script.finish === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null;
    // Key order as OpenAI's own objects.
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      background: false,
      billing: { payer: 'developer' },
      error: null,
      incomplete_details: incomplete,
      instructions: b.instructions ?? null,
      max_output_tokens: b.max_output_tokens ?? null,
      max_tool_calls: null,
      model: `${b.model ?? 'gpt-4o-mini'}-2024-07-18`,
      output,
      parallel_tool_calls: b.parallel_tool_calls ?? true,
      previous_response_id: b.previous_response_id ?? null,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null, ...b.reasoning },
      safety_identifier: null,
      service_tier: 'default',
      store: b.store ?? true,
      temperature: b.temperature ?? 1,
      text: { format: { type: 'text' }, verbosity: 'medium', ...b.text },
      tool_choice: b.tool_choice ?? 'auto',
      tools: b.tools ?? [],
      top_logprobs: 0,
      top_p: b.top_p ?? 1,
      truncation: b.truncation ?? 'disabled',
      usage,
      user: b.user ?? null,
      metadata: b.metadata ?? {},
    };
  }

  finished(): Record<string, unknown> {
    return this.object(this.status, this.output, responsesUsage(this.script));
  }
}

async function streamResponse(res: ServerResponse, response: ResponseBuilder, script: ResolvedScript, store: ResponseStore, keep: boolean): Promise<void> {
  let sequence = 0;
  const send = (type: string, fields: Record<string, unknown>) => {
    if (res.destroyed || res.writableEnded) return;
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  };
  const fault = script.fault;
  // Content deltas, counted for faults (`afterChunks`), as the chat stand-in counts its content chunks.
  let budget = fault?.kind === 'midstream' || fault?.kind === 'drop' ? fault.afterChunks : Number.POSITIVE_INFINITY;
  const delta = async (type: string, fields: Record<string, unknown>): Promise<boolean> => {
    if (budget <= 0) return false;
    budget--;
    await pause(script.chunkDelayMs);
    if (res.destroyed) return false;
    send(type, fields);
    return true;
  };
  /** Ends the stream as the fault says, once the content budget is spent; true when it did. */
  const fail = (): boolean => {
    if (budget > 0) return false;
    if (fault?.kind === 'drop') dropConnection(res);
    else {
      const message = fault?.kind === 'midstream' ? (fault.message ?? DEFAULT_ERROR) : DEFAULT_ERROR;
      send('error', { error: { type: 'server_error', code: 'server_error', message, param: null } });
      res.end();
    }
    return true;
  };

  startSse(res, { 'x-request-id': `req_${response.id.slice(5)}` });
  const output: Item[] = [];
  const inProgress = response.object('in_progress', output, null);
  send('response.created', { response: inProgress });
  send('response.in_progress', { response: inProgress });
  const itemStatus = (item: Item) => ('status' in item ? { ...item, status: 'in_progress' } : item);

  if (response.webSearch !== undefined) {
    const item = response.webSearch;
    const output_index = output.length;
    send('response.output_item.added', { output_index, item: { ...itemStatus(item), action: { type: 'search' } } });
    for (const stage of ['in_progress', 'searching', 'completed']) send(`response.web_search_call.${stage}`, { output_index, item_id: item.id });
    send('response.output_item.done', { output_index, item });
    output.push(item);
  }

  if (response.reasoning !== undefined) {
    const item = response.reasoning;
    const output_index = output.length;
    const base = { item_id: item.id, output_index, summary_index: 0 };
    send('response.output_item.added', { output_index, item: { ...item, summary: [] } });
    send('response.reasoning_summary_part.added', { ...base, part: { type: 'summary_text', text: '' } });
    for (const piece of script.reasoningChunks) {
      if (!(await delta('response.reasoning_summary_text.delta', { ...base, delta: piece, obfuscation: 'StAnDiN' }))) return void fail();
    }
    send('response.reasoning_summary_text.done', { ...base, text: script.reasoning });
    send('response.reasoning_summary_part.done', { ...base, part: { type: 'summary_text', text: script.reasoning } });
    send('response.output_item.done', { output_index, item });
    output.push(item);
  }

  if (response.message !== undefined) {
    const item = response.message;
    const output_index = output.length;
    const base = { item_id: item.id, output_index, content_index: 0 };
    send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
    send('response.content_part.added', { ...base, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
    for (const piece of script.textChunks) {
      if (!(await delta('response.output_text.delta', { ...base, delta: piece, logprobs: [], obfuscation: 'StAnDiN' }))) return void fail();
    }
    send('response.output_text.done', { ...base, text: script.text, logprobs: [] });
    send('response.content_part.done', { ...base, part: { type: 'output_text', annotations: [], logprobs: [], text: script.text } });
    send('response.output_item.done', { output_index, item });
    output.push(item);
  }

  for (const item of response.calls) {
    const output_index = output.length;
    send('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
    for (const piece of argumentChunks(item.arguments as string).filter((p) => p !== '')) {
      if (!(await delta('response.function_call_arguments.delta', { item_id: item.id, output_index, delta: piece, obfuscation: 'StAnDiN' }))) return void fail();
    }
    send('response.function_call_arguments.done', { item_id: item.id, output_index, name: item.name, arguments: item.arguments });
    send('response.output_item.done', { output_index, item });
    output.push(item);
  }

  if (fault?.kind === 'midstream' || fault?.kind === 'drop') {
    budget = 0;
    fail();
    return;
  }
  await pause(script.chunkDelayMs);
  const done = response.finished();
  if (keep) store.set(response.id, done);
  send(response.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: done });
  if (!res.destroyed) res.end();
}
