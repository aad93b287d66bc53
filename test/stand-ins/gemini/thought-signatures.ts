/**
 * The stand-in's thought signatures, and Gemini 3's check of those it gets back: a `thoughtSignature` Gemini did not
 * write (another provider's, Claude's thinking signature above all) fails the request with "Corrupted thought
 * signature.", as clients that switched models mid-conversation report (google-gemini/gemini-cli#13467,
 * lbjlaq/Antigravity-Manager#970). Google's documented sentinel for history without signatures passes.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */

const PREFIX = 'stand-in thought signature ';
const SKIP = 'skip_thought_signature_validator';

/** The signature of the response `responseId`: opaque base64, as Gemini's. */
export function thoughtSignature(responseId: string): string {
  return Buffer.from(`${PREFIX}${responseId}`).toString('base64');
}

/** Gemini 3's refusal of a thought signature in `contents` that it did not write, or undefined. */
export function checkThoughtSignatures(model: string, contents: readonly unknown[]): string | undefined {
  if (!/^gemini-3/.test(model)) return undefined;
  for (const content of contents) {
    for (const part of (content as { parts?: { thoughtSignature?: unknown }[] } | null)?.parts ?? []) {
      const signature = part.thoughtSignature;
      if (signature === undefined || signature === SKIP) continue;
      if (typeof signature !== 'string' || !Buffer.from(signature, 'base64').toString().startsWith(PREFIX)) return 'Corrupted thought signature.';
    }
  }
  return undefined;
}
