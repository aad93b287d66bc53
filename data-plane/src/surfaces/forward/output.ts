import { OutputText, type CountedOutput } from '../../providers/token-estimate.js';
import { eventJson, LF } from './bytes.js';

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

const EVENT_END = Buffer.from('\n\n');

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
      const boundary = room >= EVENT_END.length ? data.lastIndexOf(EVENT_END, room - EVENT_END.length) : -1;
      take = boundary !== -1 ? boundary + EVENT_END.length : this.keptBytes === 0 ? data.indexOf(EVENT_END) + EVENT_END.length : 0;
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
        if (piece[nl + 1] !== LF) continue;
        const event = eventJson(piece.subarray(start, nl));
        if (event !== undefined) outputOf(event, out);
        start = nl + 2;
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
