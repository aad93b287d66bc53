import { ProviderKind } from '@tollgate/schema';

/**
 * Reasoning that must travel back to the model on the next turn (thinking signatures, Gemini's thought signatures,
 * redacted thinking) goes to the client in the field its protocol has for it, which clients return verbatim: a
 * Responses reasoning item's `encrypted_content` (stateless clients such as Codex send reasoning items back with it),
 * a Messages thinking block's `signature` or redacted thinking's `data`.
 *
 * Only the provider that wrote a signature can verify it, and providers reject a request carrying one they cannot,
 * so what Tollgate writes names its provider: `tollgate:<provider>:<signature>`, `tollgate-redacted:<provider>:<data>`.
 * Read back, it goes only to that provider's deployments (`ReasoningPart.origin`). Content Tollgate did not write is
 * each surface's to read: on Responses nobody's (OpenAI's own encrypted reasoning, which no translated provider can
 * read), on Messages Anthropic's (`anthropic-messages/signatures.ts`).
 */
const SIGNATURE = 'tollgate:';
const REDACTED = 'tollgate-redacted:';

export type Carried = { readonly signature: string; readonly origin: ProviderKind } | { readonly redactedData: string; readonly origin: ProviderKind };

/** The carried form of a signature `origin` wrote; none when the provider is unknown (an answer's never is). */
export function carrySignature(signature: string, origin: ProviderKind | undefined): string | undefined {
  return origin && `${SIGNATURE}${origin}:${signature}`;
}

/** The carried form of redacted thinking `origin` wrote; none when the provider is unknown. */
export function carryRedacted(data: string, origin: ProviderKind | undefined): string | undefined {
  return origin && `${REDACTED}${origin}:${data}`;
}

/** What Tollgate carried in `content`; undefined for anything it did not write. */
export function readCarried(content: string): Carried | undefined {
  if (content.startsWith(REDACTED)) {
    const tagged = withOrigin(content.slice(REDACTED.length));
    return tagged && { redactedData: tagged.value, origin: tagged.origin };
  }
  if (content.startsWith(SIGNATURE)) {
    const tagged = withOrigin(content.slice(SIGNATURE.length));
    return tagged && { signature: tagged.value, origin: tagged.origin };
  }
  return undefined;
}

/** `anthropic:abc` → anthropic and abc; undefined unless it starts with a provider kind and ':'. */
function withOrigin(rest: string): { origin: ProviderKind; value: string } | undefined {
  const colon = rest.indexOf(':');
  const origin = ProviderKind.safeParse(colon < 0 ? undefined : rest.slice(0, colon));
  return origin.success ? { origin: origin.data, value: rest.slice(colon + 1) } : undefined;
}
