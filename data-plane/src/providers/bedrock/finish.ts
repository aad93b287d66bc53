import type { ProviderError } from '../../canonical/errors.js';
import type { StreamEvent, TokenUsage } from '../../canonical/events.js';
import { upstreamHttpError } from '../../upstream/errors.js';
import { mapStopReason, modelFailure, type StopSequenceClues } from './map-stop-reason.js';

/**
 * The last events of a response: `finish`, except for
 *
 * - a model that failed (`malformed_model_output`, `malformed_tool_use`): Bedrock stops normally, but what came out
 *   is not a usable answer (possibly nothing at all), so it is an upstream error (502 `upstream_error`) naming the
 *   failure, as a model error in the stream would be;
 * - a guardrail or content filter that stopped the model before it produced anything: an error
 *   (`content_policy_violation`, 400), like a prompt blocked by any other provider's safety system; once output has
 *   gone out, it is a `finish` with the `content-filter` reason.
 *
 * Either error follows a `usage` event with the counts Bedrock reported, and is marked `billed`, as the Gemini
 * adapter marks a blocked prompt: the model read the prompt (and may have written), which Bedrock bills, so the
 * ledger records what the request cost. (A stream gets here once `metadata`, which carries the usage, has come after
 * `messageStop`, or the body has ended without it: see `ConverseStreamMapper`.)
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
    yield* billedError(input.usage, upstreamHttpError({ provider: 'bedrock', status: 502, message: `${failure} (stopReason ${input.stopReason})`, code: 'upstream_error' }));
    return;
  }
  const finishReason = mapStopReason(input.stopReason, input.additionalFields, input.stopSequenceClues);
  if (finishReason.unified === 'content-filter' && !input.producedOutput) {
    const what = input.stopReason === 'guardrail_intervened' ? 'a Bedrock guardrail intervened' : "the model's content filter blocked the response";
    yield* billedError(input.usage, upstreamHttpError({ provider: 'bedrock', status: 400, message: `${what} (stopReason ${input.stopReason})`, contentPolicy: true }));
    return;
  }
  yield { type: 'finish', finishReason, usage: input.usage };
}

/** `error` after the usage Bedrock reported for the answer it replaced, marked billed; without usage, the error alone. */
function* billedError(usage: TokenUsage, error: ProviderError): Generator<StreamEvent> {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) {
    yield { type: 'error', error };
    return;
  }
  yield { type: 'usage', usage };
  yield { type: 'error', error: { ...error, billed: true } };
}
