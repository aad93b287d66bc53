import type { ServerResponse } from 'node:http';
import { withPlan, type FaultPlan } from '../faults.js';
import { resolveScript } from '../script.js';
import { openAiErrorBody, sendHttpFault } from './errors.js';
import { dropConnection, endSse, pause, responseId, sendJson, startSse, writeData } from './wire.js';

/**
 * `POST /v1/completions`, the legacy text completions API: `text_completion` objects, streamed as chunks of the
 * same object type, the last with `finish_reason`, then the usage chunk (empty `choices`) when asked, `[DONE]`.
 * Tool calls in a script do not exist here; only its text, truncation, content filter and faults apply.
 * @see https://platform.openai.com/docs/api-reference/completions
 */
export interface CompletionsBody {
  model?: string;
  prompt?: string | string[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
}

export async function handleCompletions(res: ServerResponse, body: CompletionsBody, plan: FaultPlan | undefined, azure: boolean, deployment?: string): Promise<void> {
  const prompt = Array.isArray(body.prompt) ? body.prompt.join('\n') : (body.prompt ?? '');
  const script = withPlan(resolveScript(prompt, prompt.length, 'call_'), plan);
  const fault = script.fault;
  if (fault?.kind === 'hang') return;
  if (fault?.kind === 'http') return sendHttpFault(res, fault, azure, script.usage.inputTokens);
  const finish = script.finish === 'tool_calls' ? 'stop' : script.finish;
  // Text only (legacy completions have no reasoning or tool calls): the script's output count, which is the number
  // of text chunks unless a test overrides the usage.
  const outputTokens = script.usage.outputTokens;
  const usage = { prompt_tokens: script.usage.inputTokens, completion_tokens: outputTokens, total_tokens: script.usage.inputTokens + outputTokens };
  const meta = { id: responseId('cmpl-'), object: 'text_completion', created: Math.floor(Date.now() / 1000), model: body.model ?? deployment ?? 'gpt-3.5-turbo-instruct' };

  if (body.stream !== true) {
    if (fault?.kind === 'drop') return dropConnection(res);
    if (fault?.kind === 'midstream') return sendJson(res, 500, openAiErrorBody(fault.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null));
    return sendJson(res, 200, { ...meta, choices: [{ text: script.text, index: 0, logprobs: null, finish_reason: finish }], usage, system_fingerprint: null });
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (text: string, finishReason: string | null) => ({
    ...meta,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
    system_fingerprint: null,
    ...(includeUsage && { usage: null }),
  });
  const limit = fault?.kind === 'midstream' || fault?.kind === 'drop' ? fault.afterChunks : script.textChunks.length;
  startSse(res);
  for (const text of script.textChunks.slice(0, limit)) {
    await pause(script.chunkDelayMs);
    if (res.destroyed) return;
    writeData(res, chunk(text, null));
  }
  if (fault?.kind === 'drop') return dropConnection(res);
  if (fault?.kind === 'midstream') {
    writeData(res, openAiErrorBody(fault.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null));
    res.end();
    return;
  }
  writeData(res, chunk('', finish));
  if (includeUsage) writeData(res, { ...meta, choices: [], system_fingerprint: null, usage });
  endSse(res);
}
