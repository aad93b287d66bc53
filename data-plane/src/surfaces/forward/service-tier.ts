import type { ReportedUsage } from './forwarder.js';

const SERVICE_TIER = Buffer.from('"service_tier"');
const DEFAULT_TIER = /^\s*:\s*"default"/;

/**
 * The usage with the processing tier OpenAI served the answer at (the response's or chunk's `service_tier`: `default`,
 * `flex`, `priority`, `scale`; it may differ from the tier asked for), which it bills apart. `tier` reads it from the
 * parsed answer: only called when the bytes mention a tier other than `default`, so the common answer costs a byte
 * search, and a `"service_tier"` elsewhere (the client's `metadata`, a tool's arguments) never passes for OpenAI's.
 * @see https://developers.openai.com/api/docs/api-reference/responses/object
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function withServedTier(usage: ReportedUsage | undefined, bytes: Buffer, tier: () => unknown): ReportedUsage | undefined {
  if (usage === undefined || !mentionsOtherTier(bytes)) return usage;
  const served = tier();
  return typeof served === 'string' ? { ...usage, serviceTier: served } : usage;
}

function mentionsOtherTier(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(SERVICE_TIER); at !== -1; at = bytes.indexOf(SERVICE_TIER, at + SERVICE_TIER.length)) {
    const from = at + SERVICE_TIER.length;
    if (!DEFAULT_TIER.test(bytes.toString('latin1', from, from + 32))) return true;
  }
  return false;
}
