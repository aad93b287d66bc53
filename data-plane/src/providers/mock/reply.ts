export const MOCK_REPLY_PREFIX = 'This is a mock response from Tollgate. You said: ';

/** The mock's whole answer: fixed text plus the last user message, so clients can check a round trip. */
export function mockReply(lastUserText: string): string {
  return MOCK_REPLY_PREFIX + lastUserText;
}

/**
 * Splits text into word-sized deltas, each word with the whitespace before it ("This", " is", " a", …), so that
 * joining the deltas gives back exactly the text.
 */
export function wordDeltas(text: string): string[] {
  const deltas: string[] = text.match(/\s*\S+/g) ?? [];
  // Trailing whitespace belongs to no word; keep it so the round trip stays exact.
  const covered = deltas.reduce((n, d) => n + d.length, 0);
  if (covered < text.length) deltas.push(text.slice(covered));
  return deltas;
}
