import { randomBytes } from 'node:crypto';
import type { StreamEvent } from '../../canonical/events.js';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { geminiContentPolicyError, geminiMalformedResponse } from './gemini-error.js';
import { isContentFilterFinish, mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import type { GeminiResponse, GeminiResponsePart, GeminiUsageMetadata } from './response-schema.js';

/**
 * Turns Gemini `GenerateContentResponse`s into canonical events: every record of a stream in turn, or the one
 * non-streamed response. Streaming and non-streaming share it, so both produce the same events.
 *
 * - Parts: thought text → reasoning-delta; text → text-delta; a function call, which Gemini always sends whole →
 *   tool-call-start, one tool-call-delta with all the arguments as JSON, tool-call-end. A part's thought signature
 *   becomes a reasoning-signature event BEFORE the part's own events (after them for a thought part), which is where
 *   the request translator puts it back.
 * - Usage: Gemini repeats `usageMetadata` on stream records with running totals; the last one seen is reported.
 * - The finish (reason and usage) is emitted at the end of the response, after the last record: Gemini's last
 *   record carries both the finish reason and the final usage.
 * - Safety: a blocked prompt (`promptFeedback.blockReason`) or a filtered finish before any output is a
 *   `content_policy_violation` error, which the client can still receive as an HTTP error; once output has gone out,
 *   a filtered finish is a normal finish with reason `content-filter`.
 * - `response-metadata` waits for the first content event, so an error before any output is the first event.
 */
export class GeminiResponseMapper {
  /** Set once a terminal event (finish or error) has been produced; nothing more follows it. */
  done = false;
  private outputStarted = false;
  private metadataSent = false;
  private responseId: string | undefined;
  private modelVersion: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
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

    const blockReason = response.promptFeedback?.blockReason;
    if (blockReason) {
      const detail = response.promptFeedback?.blockReasonMessage;
      return this.terminal(events, this.filtered(`Gemini blocked the prompt (blockReason ${blockReason})${detail ? `: ${detail}` : ''}`, blockReason));
    }

    const candidate = response.candidates?.[0];
    for (const part of candidate?.content?.parts ?? []) this.mapPart(part, events);

    if (candidate?.finishReason) {
      this.finishReason = candidate.finishReason;
      if (isContentFilterFinish(candidate.finishReason)) {
        const detail = candidate.finishMessage;
        return this.terminal(events, this.filtered(`Gemini blocked the response (finishReason ${candidate.finishReason})${detail ? `: ${detail}` : ''}`, candidate.finishReason));
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
    if (signature) this.emit(events, { type: 'reasoning-signature', signature });
    if (part.functionCall) {
      const index = this.toolCalls++;
      const id = part.functionCall.id ?? this.newToolCallId(index);
      this.emit(events, { type: 'tool-call-start', index, id, name: part.functionCall.name });
      events.push({ type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(part.functionCall.args ?? {}) });
      events.push({ type: 'tool-call-end', index });
      return;
    }
    if (part.text) this.emit(events, { type: 'text-delta', text: part.text });
    // Other parts (inline images, executable code and its results) have no canonical form yet and are skipped.
  }

  /**
   * Ids for calls Gemini sent without one: `call_<n>_<responseId>` (random when there is no response id), so ids stay
   * unique across the turns of a conversation (Anthropic rejects repeated tool-use ids; clients key results by id)
   * while a replayed response still gets the same ids.
   */
  private newToolCallId(index: number): string {
    this.idSuffix ??= this.responseId?.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) || randomBytes(9).toString('base64url');
    return `call_${index}_${this.idSuffix}`;
  }

  private emit(events: StreamEvent[], event: StreamEvent): void {
    if (!this.outputStarted) {
      this.outputStarted = true;
      events.push(...this.metadata());
    }
    events.push(event);
  }

  private metadata(): StreamEvent[] {
    if (this.metadataSent || (this.responseId === undefined && this.modelVersion === undefined)) return [];
    this.metadataSent = true;
    return [{ type: 'response-metadata', ...(this.responseId !== undefined && { id: this.responseId }), ...(this.modelVersion !== undefined && { model: this.modelVersion }) }];
  }

  /** A safety stop: an error before any output, a `content-filter` finish after some. */
  private filtered(message: string, raw: string): StreamEvent {
    if (!this.outputStarted) return { type: 'error', error: geminiContentPolicyError(message) };
    return this.finish(raw);
  }

  private finish(raw: string): StreamEvent {
    return {
      type: 'finish',
      finishReason: { unified: mapGeminiFinishReason(raw, this.toolCalls > 0), raw },
      usage: convertGeminiUsage(this.usage),
    };
  }

  private terminal(events: StreamEvent[], event: StreamEvent): StreamEvent[] {
    this.done = true;
    events.push(event);
    return events;
  }
}
