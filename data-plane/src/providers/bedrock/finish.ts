import type { StreamEvent, TokenUsage } from '../../canonical/events.js';
import { upstreamHttpError } from '../../upstream/errors.js';
import { mapStopReason, modelFailure, type StopSequenceClues } from './map-stop-reason.js';

/**
 * The last events of a response: `finish`, except for
 *
 * - a model that failed (`malformed_model_output`, `malformed_tool_use`): Bedrock stops normally, but what came out
 *   is not a usable answer (possibly nothing at all), so it is an upstream error (502 `upstream_error`) naming the
 *   failure, as a model error in the stream would be, after a `usage` event with the counts Bedrock reported (the
 *   model did run);
 * - a guardrail or content filter that stopped the model before it produced anything: an error
 *   (`content_policy_violation`, 400), like a prompt blocked by any other provider's safety system; once output has
 *   gone out, it is a `finish` with the `content-filter` reason.
 */
export function* finishEvents(input: {
  stopReason: string;
  additionalFields?: Readonly<Record<string, unknown>> | null | undefined;
  usage: TokenUsage;
  producedOutput: boolean;
  /** The request's stop sequences and the answer's text, for a model that does not say which sequence stopped it. */
  stopSequenceClues: StopSequenceClues;
}): Generator<StreamEvent> {
  const failure = modelFailure(input.stopReason);
  if (failure !== undefined) {
    if (input.usage.inputTokens !== undefined || input.usage.outputTokens !== undefined) yield { type: 'usage', usage: input.usage };
    yield { type: 'error', error: upstreamHttpError({ provider: 'bedrock', status: 502, message: `${failure} (stopReason ${input.stopReason})`, code: 'upstream_error' }) };
    return;
  }
  const finishReason = mapStopReason(input.stopReason, input.additionalFields, input.stopSequenceClues);
  if (finishReason.unified === 'content-filter' && !input.producedOutput) {
    const what = input.stopReason === 'guardrail_intervened' ? 'a Bedrock guardrail intervened' : "the model's content filter blocked the response";
    yield { type: 'error', error: upstreamHttpError({ provider: 'bedrock', status: 400, message: `${what} (stopReason ${input.stopReason})`, contentPolicy: true }) };
    return;
  }
  yield { type: 'finish', finishReason, usage: input.usage };
}
