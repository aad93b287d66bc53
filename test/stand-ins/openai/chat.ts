import type { ServerResponse } from 'node:http';
import { withPlan, type FaultPlan } from '../faults.js';
import { argumentChunks, resolveScript, type ResolvedScript } from '../script.js';
import { checkChatContent } from './chat-content.js';
import { sendHttpFault, openAiErrorBody } from './errors.js';
import { dropConnection, endSse, pause, responseId, sendJson, startSse, writeData } from './wire.js';

/**
 * `POST /v1/chat/completions` (and Azure's deployment route): the resolved script rendered as a
 * `chat.completion` object or as `chat.completion.chunk` SSE exactly as OpenAI frames it: a role chunk, content
 * chunks, tool calls (id and name first, then argument pieces), a finish chunk with an empty delta, the usage
 * chunk with empty `choices` when `stream_options.include_usage` is set (`usage: null` on every other chunk
 * then), and `data: [DONE]`. Reasoning comes as `reasoning_content` deltas, as vLLM and DeepSeek send it.
 * The Azure variant adds its content-filter annotations (`prompt_filter_results`, `content_filter_results`).
 * @see https://platform.openai.com/docs/api-reference/chat
 */

export interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: unknown; tool_calls?: { function?: { arguments?: string } }[] }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  service_tier?: string;
}

/** The tier OpenAI says it served a request at: the one asked for where it offers it, else (`auto`) the default. */
function servedTier(body: ChatBody): string {
  return body.service_tier === 'flex' || body.service_tier === 'priority' ? body.service_tier : 'default';
}

export function scriptForChat(body: ChatBody): ResolvedScript {
  const messages = body.messages ?? [];
  const text = (content: unknown): string =>
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.flatMap((p: { type?: string; text?: unknown }) => (p?.type === 'text' && typeof p.text === 'string' ? [p.text] : [])).join('\n')
        : '';
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const promptChars = messages.reduce((n, m) => n + text(m.content).length + (m.tool_calls ?? []).reduce((k, c) => k + (c.function?.arguments?.length ?? 0), 0), 0);
  return resolveScript(text(lastUser?.content), promptChars, 'call_');
}

export function usageObject(script: ResolvedScript) {
  const u = script.usage;
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cacheReadTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const SAFE = { filtered: false, severity: 'safe' };
const SAFE_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const FILTERED_RESULTS = { ...SAFE_RESULTS, violence: { filtered: true, severity: 'medium' } };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: { ...SAFE_RESULTS, jailbreak: { filtered: false, detected: false } } }];

export async function handleChat(res: ServerResponse, body: ChatBody, plan: FaultPlan | undefined, azure: boolean, deployment?: string, usageInLastChunk = false): Promise<void> {
  const problem = checkChatContent(body.messages ?? []);
  if (problem) return sendJson(res, 400, openAiErrorBody(problem.message, 'invalid_request_error', 'invalid_value', problem.param));
  const script = withPlan(scriptForChat(body), plan);
  const fault = script.fault;
  if (fault?.kind === 'hang') return; // the request stays open until the client or close() ends it
  if (fault?.kind === 'http') return sendHttpFault(res, fault, azure, script.usage.inputTokens);
  const model = body.model ?? deployment ?? 'gpt-4o-mini';
  const meta = { id: responseId('chatcmpl-'), created: Math.floor(Date.now() / 1000), model, tier: servedTier(body) };
  if (body.stream === true) return streamChat(res, script, meta, body.stream_options?.include_usage === true, azure, usageInLastChunk);

  if (fault?.kind === 'drop') return dropConnection(res);
  if (fault?.kind === 'midstream') {
    return sendJson(res, 500, openAiErrorBody(fault.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null));
  }
  const message = {
    role: 'assistant',
    content: script.text === '' && script.toolCalls.length > 0 ? null : script.text,
    ...(script.reasoning !== undefined && { reasoning_content: script.reasoning }),
    ...(script.toolCalls.length > 0 && {
      tool_calls: script.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    }),
    refusal: null,
    annotations: [],
  };
  sendJson(res, 200, {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: script.finish,
        ...(azure && { content_filter_results: script.finish === 'content_filter' ? FILTERED_RESULTS : SAFE_RESULTS }),
      },
    ],
    usage: usageObject(script),
    service_tier: meta.tier,
    system_fingerprint: 'fp_standin01',
    ...(azure && { prompt_filter_results: PROMPT_FILTER_RESULTS }),
  });
}

async function streamChat(res: ServerResponse, script: ResolvedScript, meta: { id: string; created: number; model: string; tier: string }, includeUsage: boolean, azure: boolean, usageInLastChunk: boolean): Promise<void> {
  const filter = (results: object) => (azure ? { content_filter_results: results } : {});
  const chunk = (delta: object, finishReason: string | null = null, results: object = SAFE_RESULTS) => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    service_tier: meta.tier,
    system_fingerprint: 'fp_standin01',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason, ...filter(results) }],
    ...(includeUsage && { usage: null }),
    obfuscation: 'StAnDiN',
  });

  // Every delta that carries content, in order; faults count these.
  const content: object[] = [
    ...script.reasoningChunks.map((text) => ({ reasoning_content: text })),
    ...script.textChunks.map((text) => ({ content: text })),
    ...script.toolCalls.flatMap((call, index) => [
      { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] },
      ...argumentChunks(call.arguments).filter((piece) => piece !== '').map((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] })),
    ]),
  ];
  const fault = script.fault;
  const limit = fault?.kind === 'midstream' || fault?.kind === 'drop' ? fault.afterChunks : content.length;

  startSse(res, { 'x-request-id': `req_${meta.id.slice(9)}` });
  if (azure) writeData(res, { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS });
  const onlyTools = script.textChunks.length === 0 && script.reasoningChunks.length === 0 && script.toolCalls.length > 0;
  writeData(res, chunk({ role: 'assistant', content: onlyTools ? null : '', refusal: null }, null, {}));
  for (const delta of content.slice(0, limit)) {
    await pause(script.chunkDelayMs);
    if (res.destroyed) return;
    writeData(res, chunk(delta));
  }
  if (fault?.kind === 'drop') return dropConnection(res);
  if (fault?.kind === 'midstream') {
    writeData(res, openAiErrorBody(fault.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null));
    res.end();
    return;
  }
  await pause(script.chunkDelayMs);
  const finish = chunk({}, script.finish, script.finish === 'content_filter' ? FILTERED_RESULTS : {});
  // Mistral's way: the usage on the finish chunk itself, unasked.
  writeData(res, usageInLastChunk ? { ...finish, usage: usageObject(script) } : finish);
  if (includeUsage) {
    writeData(res, {
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      service_tier: meta.tier,
      system_fingerprint: 'fp_standin01',
      choices: [],
      usage: usageObject(script),
      obfuscation: 'StAnDiN',
    });
  }
  endSse(res);
}
