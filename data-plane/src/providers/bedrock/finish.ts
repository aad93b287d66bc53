import type { StreamEvent, TokenUsage } from '../../canonical/events.js';
import { upstreamHttpError } from '../../upstream/errors.js';
import { mapStopReason } from './map-stop-reason.js';

/**
 * The last event of a response: `finish`, except that a guardrail or content filter that stopped the model before
 * it produced anything is an error (`content_policy_violation`, 400), like a prompt blocked by any other provider's
 * safety system; once output has gone out, it is a `finish` with the `content-filter` reason.
 */
export function finishEvent(input: {
  stopReason: string;
  additionalFields?: Readonly<Record<string, unknown>> | null | undefined;
  usage: TokenUsage;
  producedOutput: boolean;
}): StreamEvent {
  const finishReason = mapStopReason(input.stopReason, input.additionalFields);
  if (finishReason.unified === 'content-filter' && !input.producedOutput) {
    const what = input.stopReason === 'guardrail_intervened' ? 'a Bedrock guardrail intervened' : "the model's content filter blocked the response";
    return { type: 'error', error: upstreamHttpError({ provider: 'bedrock', status: 400, message: `${what} (stopReason ${input.stopReason})`, contentPolicy: true }) };
  }
  return { type: 'finish', finishReason, usage: input.usage };
}
