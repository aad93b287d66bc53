import type { ProviderKind } from '@tollgate/schema';
import type { CanonicalRequest, ContentPart, Message } from '../canonical/request.js';

/**
 * Providers that serve Claude and so verify Claude's signatures, whichever of them wrote one: "Signature values are
 * compatible across platforms (Claude APIs, Amazon Bedrock, and Vertex AI). Values generated on one platform will be
 * compatible with another." A conversation moving between an Anthropic and a Bedrock deployment of one model group
 * (or a fallback) keeps its thinking.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#thinking-encryption
 */
const CLAUDE_SIGNERS: ReadonlySet<ProviderKind> = new Set(['anthropic', 'bedrock']);

/** Whether a `kind` deployment verifies signatures `origin` wrote. */
export function takesSignaturesOf(kind: ProviderKind, origin: ProviderKind): boolean {
  return origin === kind || (CLAUDE_SIGNERS.has(origin) && CLAUDE_SIGNERS.has(kind));
}

/**
 * `request` as a `kind` deployment may receive it: reasoning signed by another provider (a conversation that switched
 * from Gemini to Claude) loses its signature and becomes unsigned reasoning, which each adapter treats as it always
 * does, and another provider's redacted thinking is left out. Providers verify the signatures they get back and
 * reject the whole request for one they did not write. Reasoning of unknown origin is left as it is.
 * The request itself when nothing needs to go (the common case): no copy.
 */
export function foreignReasoningRemoved(request: CanonicalRequest, kind: ProviderKind): CanonicalRequest {
  const foreign = (part: ContentPart) => part.type === 'reasoning' && part.origin !== undefined && !takesSignaturesOf(kind, part.origin);
  if (!request.messages.some((m) => m.content.some(foreign))) return request;
  const messages = request.messages.map((message): Message => {
    if (!message.content.some(foreign)) return message;
    const content = message.content.flatMap((part): ContentPart[] => {
      if (part.type !== 'reasoning' || !foreign(part)) return [part];
      return part.redactedData !== undefined ? [] : [{ type: 'reasoning', text: part.text }];
    });
    return { ...message, content };
  });
  return { ...request, messages };
}
