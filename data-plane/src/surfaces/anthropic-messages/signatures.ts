import type { ProviderKind } from '@tollgate/schema';
import { takesSignaturesOf } from '../../providers/foreign-reasoning.js';
import { carryRedacted, carrySignature, readCarried } from '../reasoning-carry.js';

/**
 * Who wrote the thinking signatures and redacted thinking a Messages client holds, so that when the conversation
 * moves to another model (Claude Code's `/model`) each provider gets back only what it wrote
 * (`foreignReasoningRemoved`; `withoutForeignThinking` for a forwarded body).
 *
 * Claude's are the protocol's own, whichever platform served it (Anthropic's API or Bedrock: their signatures are
 * interchangeable, `takesSignaturesOf`): a forwarded answer reaches the client byte for byte, and a thinking block
 * without Tollgate's tag is read as Anthropic's. Every other provider's signature (Gemini's thought signatures) goes
 * out tagged with its provider (`reasoning-carry.ts`) and is read back as that provider's raw signature.
 */
const ANTHROPIC: ProviderKind = 'anthropic';

/** A thinking block's `signature` for a signature `origin` wrote. */
export function signatureOut(signature: string, origin: ProviderKind | undefined): string {
  return origin !== undefined && takesSignaturesOf(ANTHROPIC, origin) ? signature : (carrySignature(signature, origin) ?? signature);
}

/** A `redacted_thinking` block's `data` for redacted thinking `origin` wrote. */
export function redactedOut(data: string, origin: ProviderKind | undefined): string {
  return origin !== undefined && takesSignaturesOf(ANTHROPIC, origin) ? data : (carryRedacted(data, origin) ?? data);
}

/** A (non-empty) thinking block's `signature` as the client sent it: the provider's own signature and its provider. */
export function signatureIn(signature: string): { readonly signature: string; readonly origin: ProviderKind } {
  const carried = readCarried(signature);
  return carried !== undefined && 'signature' in carried ? carried : { signature, origin: ANTHROPIC };
}

/** A `redacted_thinking` block's `data` as the client sent it: the provider's own data and its provider. */
export function redactedIn(data: string): { readonly redactedData: string; readonly origin: ProviderKind } {
  const carried = readCarried(data);
  return carried !== undefined && 'redactedData' in carried ? carried : { redactedData: data, origin: ANTHROPIC };
}
