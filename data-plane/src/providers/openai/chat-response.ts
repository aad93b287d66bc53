import type { StreamEvent } from '../types.js';
import { convertUsage } from './convert-usage.js';
import { finishError, streamError } from './errors.js';
import { mapFinishReason } from './map-finish-reason.js';
import { OpenAiCompletion, OpenAiFailure } from './wire.js';

/**
 * A whole `chat.completion` object → the same canonical events a stream would give (reasoning, text, each tool
 * call with its arguments as one delta, finish with usage). A body that is an error (OpenRouter's 200 for a request
 * that failed once the model began), or whose choice ended in failure (`mapFinishReason`), is that error; one that
 * does not fit the schema is an `error` too.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function chatResponseEvents(provider: string, json: unknown): StreamEvent[] {
  const failure = typeof json === 'object' && json !== null && 'error' in json ? OpenAiFailure.safeParse(json) : undefined;
  if (failure?.success) return [{ type: 'error', error: streamError(provider, failure.data.error) }];
  const parsed = OpenAiCompletion.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return [{ type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: unreadable response (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'does not match'})`, provider } }];
  }
  const completion = parsed.data;
  const choice = completion.choices.find((c) => (c.index ?? 0) === 0);
  if (!choice) {
    return [{ type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: the response has no choices`, provider } }];
  }
  const message = choice.message;
  const calls = message.tool_calls ?? (message.function_call ? [{ id: `call_${message.function_call.name}`, function: message.function_call }] : []);
  const finish = mapFinishReason(choice.finish_reason, choice.stop_reason, calls.length > 0);
  if (finish.unified === 'error') return [{ type: 'error', error: finishError(provider, choice.finish_reason ?? undefined, choice.error) }];
  const events: StreamEvent[] = [];
  if (completion.id || completion.model) {
    events.push({ type: 'response-metadata', ...(completion.id && { id: completion.id }), ...(completion.model && { model: completion.model }) });
  }
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (reasoning) events.push({ type: 'reasoning-delta', text: reasoning });
  if (message.content) events.push({ type: 'text-delta', text: message.content });
  if (message.refusal) events.push({ type: 'text-delta', text: message.refusal });
  calls.forEach((call, index) => {
    events.push({ type: 'tool-call-start', index, id: call.id || `call_${index}`, name: call.function.name });
    if (call.function.arguments) events.push({ type: 'tool-call-delta', index, argumentsDelta: call.function.arguments });
    events.push({ type: 'tool-call-end', index });
  });
  events.push({ type: 'finish', finishReason: finish, usage: convertUsage(completion.usage, completion.service_tier) });
  return events;
}
