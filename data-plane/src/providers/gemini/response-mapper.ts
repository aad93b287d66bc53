import type { ProviderError } from '../../canonical/errors.js';
import type { StreamEvent } from '../../canonical/events.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { geminiContentPolicyError, geminiFunctionCallingError, geminiMalformedResponse } from './gemini-error.js';
import { isFailedFunctionCallingFinish, mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import type { GeminiResponse, GeminiResponsePart, GeminiUsageMetadata } from './response-schema.js';
import { mintToolCallId, toolCallIdSuffix } from './tool-call-ids.js';
import { WebSearchQueries } from './web-search-queries.js';

/**
 * Turns Gemini `GenerateContentResponse`s into canonical events: every record of a stream in turn, or the one
 * non-streamed response. Streaming and non-streaming share it, so both produce the same events.
 *
 * - Parts: thought text → reasoning-delta; text → text-delta; a function call, which Gemini always sends whole →
 *   tool-call-start, one tool-call-delta with all the arguments as JSON, tool-call-end. A part's thought signature
 *   becomes a reasoning-signature event BEFORE the part's own events (after them for a thought part), which is where
 *   the request translator puts it back.
 * - Usage: Gemini repeats `usageMetadata` on stream records with running totals; the last one seen is reported, with
 *   the Google Search queries grounding ran, from every record's candidates (`WebSearchQueries`).
 * - The finish (reason and usage) is emitted at the end of the response, after the last record: Gemini's last
 *   record carries both the finish reason and the final usage.
 * - Safety: a blocked prompt (`promptFeedback.blockReason`: Gemini refused to generate) is a
 *   `content_policy_violation` error (400), which content-policy fallbacks key on. A candidate the filters stopped
 *   (finishReason SAFETY and kin: generated, then withheld or cut) is an answer, streamed or not, whatever of it came
 *   through: a finish with reason `content-filter`, as OpenAI reports its output filter (a 200 with `finish_reason`
 *   `content_filter`) and Anthropic its refusals (`stop_reason` `refusal`), with the usage Gemini bills for it.
 * - Failed function calling (MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS) is an upstream error
 *   (`geminiFunctionCallingError`, which the router does not retry) carrying the finish reason and Gemini's
 *   `finishMessage`, whether or not output went out before it. The turn was meant to call a function and that call is
 *   lost (Gemini sends such a finish without it), so text before it is a preamble, not an answer: reported as a finish,
 *   the client (an agent above all) would take the turn for complete and stop with nothing done, where an error lets it
 *   retry. A streamed preamble stays with the client, followed by
 *   the protocol's error event; a non-streamed one is not delivered, as the whole answer becomes the error.
 * - An error the response itself caused (the two above) follows a `usage` event when Gemini reported usage, and is
 *   marked `billed`: the prompt was processed (and for failed calls, output generated), which Gemini bills, even though
 *   nothing usable came back.
 * - `response-metadata` waits for the first content event, so an error before any output comes first, after at most
 *   that `usage` event.
 */
export class GeminiResponseMapper {
  /** Set once a terminal event (finish or error) has been produced; nothing more follows it. */
  done = false;
  private outputStarted = false;
  /** Answer text has been emitted: a signature now belongs after it, not between two pieces of it. */
  private answering = false;
  private metadataSent = false;
  private responseId: string | undefined;
  private modelVersion: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  /** The prompt's count has been passed on (`usage` event), so a stream cut short bills it rather than an estimate. */
  private promptCounted = false;
  /** The record being mapped carries the prompt's count, still to be passed on (before its first content). */
  private countPrompt = false;
  private readonly searches = new WebSearchQueries();
  private finishReason: string | undefined;
  private toolCalls = 0;
  private idSuffix: string | undefined;

  /** Events for one response record. */
  push(response: GeminiResponse): StreamEvent[] {
    if (this.done) return [];
    const events: StreamEvent[] = [];
    this.responseId ??= response.responseId;
    this.modelVersion ??= response.modelVersion;
    if (response.usageMetadata) this.usage = response.usageMetadata;
    this.searches.add(response);

    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason) {
      const detail = response.promptFeedback?.blockReasonMessage;
      return this.terminal(events, this.failed(geminiContentPolicyError(`Gemini blocked the prompt (blockReason ${blockReason})${detail ? `: ${detail}` : ''}`)));
    }

    const candidate = response.candidates?.[0];
    // Gemini counts the prompt in every record's usage, from the first: passed on at once (before the first content,
    // `emit`), as Anthropic's message_start is, so a stream the client or the upstream cuts bills the provider's count,
    // not an estimate, and a client of Anthropic's API gets it in message_start. (A record that ends the answer carries
    // its usage in the finish or error that follows.)
    this.countPrompt = !this.promptCounted && !candidate?.finishReason && this.usage?.promptTokenCount !== undefined;
    for (const part of candidate?.content?.parts ?? []) this.mapPart(part, events);
    if (this.countPrompt) events.push(this.promptCount());
    if (candidate?.finishReason) {
      this.finishReason = candidate.finishReason;
      if (isFailedFunctionCallingFinish(candidate.finishReason)) {
        return this.terminal(events, this.failed(geminiFunctionCallingError(candidate.finishReason, candidate.finishMessage)));
      }
    }
    return events;
  }

  /** Events once the upstream response has ended: the finish, or an error when it never said why it stopped. */
  end(): StreamEvent[] {
    if (this.done) return [];
    this.done = true;
    if (this.finishReason === undefined) {
      return [{ type: 'error', error: geminiMalformedResponse('the response ended without a finish reason') }];
    }
    return [...this.metadata(), this.finish(this.finishReason)];
  }

  private mapPart(part: GeminiResponsePart, events: StreamEvent[]): void {
    const signature = part.thoughtSignature;
    if (part.thought) {
      if (part.text) this.emit(events, { type: 'reasoning-delta', text: part.text });
      if (signature) this.emit(events, { type: 'reasoning-signature', signature });
      return;
    }
    // A signature on the answer's first part goes before it, with the thinking it signs. Streamed, Gemini puts it on
    // the answer's last part instead (or an empty one after it): it then follows the text, which would otherwise be
    // split in two around it (two messages for Responses clients).
    const signatureAfterText = signature !== undefined && this.answering && part.functionCall === undefined;
    if (signature && !signatureAfterText) this.emit(events, { type: 'reasoning-signature', signature });
    if (part.functionCall) {
      const index = this.toolCalls++;
      const id = part.functionCall.id ?? mintToolCallId(index, (this.idSuffix ??= toolCallIdSuffix(this.responseId)));
      this.emit(events, { type: 'tool-call-start', index, id, name: part.functionCall.name });
      events.push({ type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(part.functionCall.args ?? {}) });
      events.push({ type: 'tool-call-end', index });
      return;
    }
    if (part.text) {
      this.answering = true;
      this.emit(events, { type: 'text-delta', text: part.text });
    }
    if (signatureAfterText) this.emit(events, { type: 'reasoning-signature', signature });
    // Other parts (inline images, executable code and its results) have no canonical form yet and are skipped.
  }

  private emit(events: StreamEvent[], event: StreamEvent): void {
    if (!this.outputStarted) {
      this.outputStarted = true;
      events.push(...this.metadata());
    }
    if (this.countPrompt) events.push(this.promptCount());
    events.push(event);
  }

  /** The `usage` event that passes on the prompt's count, once. */
  private promptCount(): StreamEvent {
    this.countPrompt = false;
    this.promptCounted = true;
    return { type: 'usage', usage: convertGeminiUsage(this.usage, this.searches.count) };
  }

  private metadata(): StreamEvent[] {
    if (this.metadataSent || (this.responseId === undefined && this.modelVersion === undefined)) return [];
    this.metadataSent = true;
    return [{ type: 'response-metadata', ...(this.responseId !== undefined && { id: this.responseId }), ...(this.modelVersion !== undefined && { model: this.modelVersion }) }];
  }

  /** An error caused by the response itself, after the usage Gemini reported for it, which Gemini bills. */
  private failed(error: ProviderError): StreamEvent[] {
    if (!this.usage) return [{ type: 'error', error }];
    return [{ type: 'usage', usage: convertGeminiUsage(this.usage, this.searches.count) }, { type: 'error', error: { ...error, billed: true } }];
  }

  private finish(raw: string): StreamEvent {
    return {
      type: 'finish',
      finishReason: { unified: mapGeminiFinishReason(raw, this.toolCalls > 0), raw },
      usage: convertGeminiUsage(this.usage, this.searches.count),
    };
  }

  private terminal(events: StreamEvent[], last: StreamEvent[]): StreamEvent[] {
    this.done = true;
    events.push(...last);
    return events;
  }
}
