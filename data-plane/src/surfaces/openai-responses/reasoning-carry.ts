import { ProviderKind } from '@tollgate/schema';

/**
 * Reasoning that must travel back to the model on the next turn (thinking signatures, Gemini's thought signatures,
 * redacted thinking) rides in a reasoning item's `encrypted_content`, the field Responses clients already return
 * verbatim (stateless clients such as Codex send reasoning items back with it).
 *
 * Only the provider that wrote a signature can verify it, and providers reject a request carrying one they cannot,
 * so what Tollgate writes names its provider: `tollgate:<provider>:<signature>`, `tollgate-redacted:<provider>:<data>`.
 * Read back, it goes only to that provider's deployments (`ReasoningPart.origin`). Content Tollgate did not write is
 * nobody's signature here: OpenAI's own encrypted reasoning (a Codex session that switched from an OpenAI model)
 * cannot be read by any translated provider, so it is dropped and the item is unsigned reasoning.
 */
const SIGNATURE = 'tollgate:';
const REDACTED = 'tollgate-redacted:';

export type Carried = { readonly signature: string; readonly origin: ProviderKind } | { readonly redactedData: string; readonly origin: ProviderKind };

/** `encrypted_content` for a signature `origin` wrote; none when the provider is unknown (an answer's never is). */
export function carrySignature(signature: string, origin: ProviderKind | undefined): string | undefined {
  return origin && `${SIGNATURE}${origin}:${signature}`;
}

/** `encrypted_content` for redacted thinking `origin` wrote; none when the provider is unknown. */
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
