import type { StreamEvent } from '../../canonical/events.js';
import { convertUsage } from './convert-usage.js';
import { finishEvents } from './finish.js';
import { withoutStopSequence } from './map-stop-reason.js';
import { ConverseResponseSchema } from './wire.js';

/**
 * A Converse (non-streaming) response → the same canonical events a stream would give: reasoning (text, then its
 * signature, or redacted data), text, each tool call as start / one delta with all its arguments / end, then
 * `finish` (or the error a failed model or a blocked answer is, see `finish.ts`). A body that does not match the
 * schema is an `error` event. `stopSequences` are the request's (`inferenceConfig.stopSequences`), to tell which one
 * stopped a model that does not say (see `map-stop-reason.ts`); a model that leaves that sequence at the end of its
 * text (`leavesStopSequence`: Amazon Nova) has it cut off, as the stream does (`ConverseStreamMapper`).
 */
export function* converseResponseEvents(json: unknown, stopSequences: readonly string[] = [], leavesStopSequence = false): Generator<StreamEvent> {
  const parsed = ConverseResponseSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    yield { type: 'error', error: { status: 502, type: 'api_error', code: 'upstream_error', message: `bedrock: malformed Converse response (${detail})`, provider: 'bedrock' } };
    return;
  }
  const response = parsed.data;
  const content = response.output.message.content;
  const lastText = leavesStopSequence && response.stopReason === 'stop_sequence' ? content.findLastIndex((b) => b.text !== undefined && b.text !== '') : -1;
  let toolIndex = 0;
  let producedOutput = false;
  let text = '';
  for (const [i, block] of content.entries()) {
    if (block.reasoningContent?.reasoningText) {
      const { text, signature } = block.reasoningContent.reasoningText;
      producedOutput = true;
      if (text !== '') yield { type: 'reasoning-delta', text };
      if (signature !== undefined) yield { type: 'reasoning-signature', signature };
    } else if (block.reasoningContent?.redactedContent !== undefined) {
      producedOutput = true;
      yield { type: 'reasoning-redacted', data: block.reasoningContent.redactedContent };
    } else if (block.toolUse) {
      const index = toolIndex++;
      producedOutput = true;
      yield { type: 'tool-call-start', index, id: block.toolUse.toolUseId, name: block.toolUse.name };
      yield { type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(block.toolUse.input ?? {}) };
      yield { type: 'tool-call-end', index };
    } else if (block.text !== undefined && block.text !== '') {
      producedOutput = true;
      text += block.text;
      const shown = i === lastText ? withoutStopSequence(block.text, stopSequences) : block.text;
      if (shown !== '') yield { type: 'text-delta', text: shown };
    }
  }
  yield* finishEvents({
    stopReason: response.stopReason,
    additionalFields: response.additionalModelResponseFields,
    usage: convertUsage(response.usage),
    producedOutput,
    stopSequenceClues: { sequences: stopSequences, text },
  });
}
