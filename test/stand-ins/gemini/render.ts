import { randomBytes } from 'node:crypto';
import type { ResolvedScript } from '../script.js';
import { thoughtSignature } from './thought-signatures.js';

/**
 * Gemini `GenerateContentResponse` records for one resolved script, streamed (`records`) or whole (`whole`).
 *
 * Streams look like Gemini 2.5's: one record per thought chunk (only with `includeThoughts`), then per text chunk,
 * then one record with all function calls (Gemini sends calls whole); every record repeats `responseId` and
 * `modelVersion`; intermediate records carry only the prompt usage and the last one the finish reason and the full
 * usage. Function calls carry an `id` only when the script gave one (Gemini's API usually sends none). With
 * reasoning, a thought signature rides on the first function call, else on the last part, as Gemini does.
 * A content filter without answer text is a blocked prompt (`promptFeedback.blockReason`); with text, the stream
 * is cut by a record with finishReason SAFETY and no content, and the non-streamed answer is withheld.
 * A function call whose arguments are not a JSON object is one Gemini could not parse: the calls are dropped, the
 * stream's thoughts and text are followed by a record with finishReason MALFORMED_FUNCTION_CALL, a `finishMessage`
 * quoting the call and no content, and the non-streamed answer has no content at all.
 */
export class Renderer {
  readonly responseId = randomBytes(17).toString('base64url');
  readonly chunkDelayMs: number;

  constructor(
    private readonly script: ResolvedScript,
    private readonly model: string,
    private readonly includeThoughts: boolean,
  ) {
    this.chunkDelayMs = script.chunkDelayMs;
  }

  private get filtered(): boolean {
    return this.script.fault?.kind === 'content-filter';
  }

  /** The first scripted call whose arguments Gemini could not have parsed into an object. */
  private get malformedCall(): { readonly name: string; readonly arguments: string } | undefined {
    return this.script.toolCalls.find((call) => !isJsonObjectText(call.arguments || '{}'));
  }

  /** Content-filter without any answer text is a blocked prompt; with text, the answer is cut by SAFETY. */
  private get promptBlocked(): boolean {
    return this.filtered && this.script.text === '' && this.script.toolCalls.length === 0;
  }

  private get signature(): string {
    return thoughtSignature(this.responseId);
  }

  /** The streamed records: thoughts, text, function calls; the last carries finishReason and the full usage. */
  records(): object[] {
    if (this.promptBlocked) return [this.blockedPrompt()];
    const partLists: object[][] = [];
    if (this.includeThoughts) for (const text of this.script.reasoningChunks) partLists.push([{ text, thought: true }]);
    for (const text of this.script.textChunks) partLists.push([{ text }]);
    const malformed = this.malformedCall !== undefined;
    if (this.script.toolCalls.length > 0 && !malformed) partLists.push(this.functionCallParts());
    if (partLists.length === 0 && !malformed) partLists.push([{ text: '' }]);
    this.attachSignature(partLists.flat());
    if (this.filtered || malformed) partLists.push([]);
    return partLists.map((parts, i) => (i === partLists.length - 1 ? this.finalRecord(parts) : this.record(parts, this.promptUsage())));
  }

  /** The non-streamed response: the same parts in one candidate (thoughts merged, text merged). */
  whole(): object {
    if (this.promptBlocked) return this.blockedPrompt();
    if (this.filtered || this.malformedCall) {
      // Gemini withholds a filtered non-streamed answer entirely, and answers a malformed call with no content.
      return this.final([], this.finishReason());
    }
    const parts: object[] = [];
    if (this.includeThoughts && this.script.reasoning) parts.push({ text: this.script.reasoning, thought: true });
    if (this.script.text !== '') parts.push({ text: this.script.text });
    parts.push(...this.functionCallParts());
    if (parts.length === 0) parts.push({ text: '' });
    this.attachSignature(parts);
    return this.final(parts, this.finishReason());
  }

  private functionCallParts(): object[] {
    return this.script.toolCalls.map((call, i) => {
      const generated = call.id === `call_${String(i).padStart(2, '0')}standin`;
      return { functionCall: { name: call.name, args: JSON.parse(call.arguments || '{}'), ...(!generated && { id: call.id }) } };
    });
  }

  private attachSignature(parts: object[]): void {
    if (!this.script.reasoning) return;
    const target = parts.find((p) => 'functionCall' in p) ?? parts.at(-1);
    if (target) (target as { thoughtSignature?: string }).thoughtSignature = this.signature;
  }

  private finishReason(): string {
    if (this.filtered) return 'SAFETY';
    if (this.malformedCall) return 'MALFORMED_FUNCTION_CALL';
    return this.script.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
  }

  private record(parts: object[], usageMetadata: object): object {
    return {
      candidates: [{ content: { parts, role: 'model' }, index: 0 }],
      usageMetadata,
      modelVersion: this.model,
      responseId: this.responseId,
    };
  }

  private finalRecord(parts: object[]): object {
    return this.final(parts, this.finishReason());
  }

  private final(parts: object[], finishReason: string): object {
    const candidate: Record<string, unknown> = parts.length > 0 ? { content: { parts, role: 'model' } } : {};
    candidate.finishReason = finishReason;
    const malformed = this.malformedCall;
    if (finishReason === 'MALFORMED_FUNCTION_CALL' && malformed) candidate.finishMessage = `Malformed function call: ${malformed.name}(${malformed.arguments})`;
    if (finishReason === 'SAFETY') candidate.safetyRatings = SAFETY_RATINGS;
    candidate.index = 0;
    return { candidates: [candidate], usageMetadata: this.fullUsage(), modelVersion: this.model, responseId: this.responseId };
  }

  private blockedPrompt(): object {
    return {
      promptFeedback: { blockReason: 'SAFETY', safetyRatings: SAFETY_RATINGS },
      usageMetadata: this.promptUsage(),
      modelVersion: this.model,
      responseId: this.responseId,
    };
  }

  /** A record before the last: the prompt's counts, cache reads included (as recorded, `__fixtures__/…thoughts-then-text.sse`). */
  private promptUsage(): object {
    const { inputTokens, cacheReadTokens } = this.script.usage;
    return {
      promptTokenCount: inputTokens,
      totalTokenCount: inputTokens,
      ...(cacheReadTokens > 0 && { cachedContentTokenCount: cacheReadTokens }),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: inputTokens }],
      ...(cacheReadTokens > 0 && { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cacheReadTokens }] }),
    };
  }

  /** proto3 JSON: zero counts are left out, as Google leaves them out. */
  private fullUsage(): object {
    const { inputTokens, outputTokens, cacheReadTokens, reasoningTokens } = this.script.usage;
    const candidates = Math.max(0, outputTokens - reasoningTokens);
    return {
      promptTokenCount: inputTokens,
      ...(candidates > 0 && { candidatesTokenCount: candidates }),
      totalTokenCount: inputTokens + outputTokens,
      ...(cacheReadTokens > 0 && { cachedContentTokenCount: cacheReadTokens }),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: inputTokens }],
      ...(cacheReadTokens > 0 && { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cacheReadTokens }] }),
      ...(reasoningTokens > 0 && { thoughtsTokenCount: reasoningTokens }),
    };
  }
}

const SAFETY_RATINGS = [
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
];

function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** A record with its finish reason removed (streams cut before their end). */
export function withoutFinish(record: object): object {
  const r = record as { candidates?: Record<string, unknown>[] };
  if (!r.candidates) return record;
  return { ...r, candidates: r.candidates.map(({ finishReason: _f, finishMessage: _m, safetyRatings: _s, ...c }) => c) };
}
