/**
 * Reasoning that must travel back to the model on the next turn (Anthropic thinking signatures and redacted
 * thinking) rides in a reasoning item's `encrypted_content`, the field Responses clients already return verbatim
 * (stateless clients such as Codex send reasoning items back with it).
 *
 * A signature goes as is; redacted thinking is tagged, so the two read back unambiguously (signatures are base64
 * and never contain ':'). Content that is neither (e.g. OpenAI's own encrypted reasoning) reads back as a
 * signature, which a provider that does not know it drops.
 */
const REDACTED = 'tollgate-redacted:';

export function carryRedacted(data: string): string {
  return REDACTED + data;
}

export function readCarried(content: string): { signature: string } | { redactedData: string } {
  return content.startsWith(REDACTED) ? { redactedData: content.slice(REDACTED.length) } : { signature: content };
}
