import { OutputText, type CountedOutput } from '../../providers/token-estimate.js';
import { boundaryAfter, eventJson, LF } from './bytes.js';

/*
 * The output of a forwarded answer whose upstream reports no output count (a stream cut short, a provider without
 * usage), counted locally from its text with the tokenizer, as the translated path counts it (`Accounting`). Each
 * protocol says where the text is in its events and answers (`Forwardable.outputOfEvent`, `outputOfAnswer`); the
 * JSON is parsed only then, never on the way through.
 */

/** Adds the output text of one parsed event, or of a whole parsed answer, to `out`. */
export type OutputOf = (json: unknown, out: OutputText) => void;

/**
 * Of a stream, the first events up to this many bytes are kept, copied as they pass, for counting; later events are
 * only measured, and the count is scaled to the whole stream's bytes. That is about 100 OpenAI chat chunks (a token
 * each, in 150 bytes of JSON around it), more tokens of Anthropic's deltas: a sample large enough for the ratio, and
 * a bound on what a stream holds while it runs (16 MB for 1,000 long streams).
 */
export const SAMPLE_BYTES = 16 * 1024;

/** The end of the last event boundary in data[0, limit) (`\n\n` or `\r\n\r\n`), or 0. */
function lastBoundary(data: Buffer, limit: number): number {
  for (let nl = data.lastIndexOf(LF, limit - 2); nl > 0; nl = data.lastIndexOf(LF, nl - 1)) {
    const next = boundaryAfter(data, nl);
    if (next !== -1 && next <= limit) return next;
  }
  return 0;
}

/** The end of the first event boundary in data[0, end): the events given are complete, so there is one. */
function firstBoundary(data: Buffer, end: number): number {
  for (let nl = data.indexOf(LF); nl !== -1 && nl < end; nl = data.indexOf(LF, nl + 1)) {
    const next = boundaryAfter(data, nl);
    if (next !== -1) return next;
  }
  return end;
}

/** A stream's events as they passed, for counting its output if it must be (see `SAMPLE_BYTES`). */
export class StreamSample {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private totalBytes = 0;
  private full = false;

  /** Notes data[0, end): complete events, forwarded. `data` may be scratch memory: what is kept is copied. */
  add(data: Buffer, end: number): void {
    if (end === 0) return;
    this.totalBytes += end;
    if (this.full) return;
    let take = end;
    const room = SAMPLE_BYTES - this.keptBytes;
    if (take > room) {
      // Whole events only: up to the last boundary that fits; a first event larger than the sample is kept whole.
      take = lastBoundary(data, room);
      if (take === 0 && this.keptBytes === 0) take = firstBoundary(data, end);
      this.full = true;
      if (take === 0) return;
    }
    const copy = Buffer.allocUnsafe(take);
    data.copy(copy, 0, 0, take);
    this.kept.push(copy);
    this.keptBytes += take;
  }

  /** Bytes of events kept. */
  get keptSize(): number {
    return this.keptBytes;
  }

  /** The output counted from the kept events' text, scaled to every event that passed. */
  count(outputOf: OutputOf): CountedOutput {
    const out = new OutputText();
    for (const piece of this.kept) {
      let start = 0;
      for (let nl = piece.indexOf(LF); nl !== -1; nl = piece.indexOf(LF, nl + 1)) {
        const next = boundaryAfter(piece, nl);
        if (next === -1) continue;
        const event = eventJson(piece.subarray(start, nl));
        if (event !== undefined) outputOf(event, out);
        start = next;
        nl = start - 1;
      }
    }
    const counted = out.count();
    if (this.keptBytes === this.totalBytes || this.keptBytes === 0) return counted;
    const scale = this.totalBytes / this.keptBytes;
    return { outputTokens: Math.round(counted.outputTokens * scale), reasoningTokens: Math.round(counted.reasoningTokens * scale) };
  }
}

/** The output of a whole (non-streamed) answer; nothing when it is not JSON. */
export function countAnswer(bytes: Buffer, outputOf: OutputOf): CountedOutput {
  const out = new OutputText();
  try {
    outputOf(JSON.parse(bytes.toString('utf8')), out);
  } catch {
    // Not JSON: no text to count.
  }
  return out.count();
}

/** `value` as a JSON object, or undefined: upstream JSON is read without trusting its shape. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `value` as a JSON array, or none. */
export function items(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
