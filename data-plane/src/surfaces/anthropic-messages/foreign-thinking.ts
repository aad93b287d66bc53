import { takesSignaturesOf } from '../../providers/foreign-reasoning.js';
import { items, record } from '../forward/output.js';
import { redactedIn, signatureIn } from './signatures.js';

/**
 * A Messages body as an Anthropic deployment may receive it. The fast path sends the client's body as it is, but a
 * conversation that switched models (Claude Code's `/model`) holds thinking Anthropic did not write: another
 * provider's signatures and redacted thinking (`signatures.ts`), and reasoning nobody signed (the empty signature the
 * gateway gives reasoning from models that do not sign it). Anthropic refuses the whole request for any of them
 * ("Invalid `signature` in `thinking` block"), so those blocks are left out, as the Anthropic adapter leaves out
 * reasoning it cannot send back; a turn left without content goes too (Anthropic joins the turns around it).
 *
 * With a thinking budget, Anthropic also refuses a last assistant turn whose tool calls have no thinking block in
 * front of them ("a final `assistant` message must start with a thinking block"): what is left after that, or what
 * another model answered without thinking (an OpenAI or Gemini model before a `/model` switch, a fallback or a
 * deployment of the group that ran without it). The request then goes without thinking, as a translated one does
 * (`thinkingAllowed`), rather than failing every turn of the tool loop.
 * The body itself when nothing needs to go (the common case): no copy.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#extended-thinking-with-tool-use
 */
export function withoutForeignThinking(body: Record<string, unknown>): Record<string, unknown> {
  const messages = items(body.messages);
  const foreign = messages.some(holdsForeignThinking);
  const kept = foreign
    ? messages.flatMap((message) => {
        if (!holdsForeignThinking(message)) return [message];
        const content = items(record(message)!.content).filter((block) => !isForeignThinking(block));
        return content.length > 0 ? [{ ...record(message), content }] : [];
      })
    : messages;
  const unthinking = record(body.thinking)?.type === 'enabled' && !toolCallsLedByThinking(kept);
  if (!foreign && !unthinking) return body;
  const out: Record<string, unknown> = { ...body, messages: kept };
  if (unthinking) delete out.thinking;
  return out;
}

function holdsForeignThinking(message: unknown): boolean {
  const m = record(message);
  return m?.role === 'assistant' && items(m.content).some(isForeignThinking);
}

/** A thinking block Anthropic did not sign (an empty signature included), or redacted thinking it did not write. */
function isForeignThinking(value: unknown): boolean {
  const block = record(value);
  if (block?.type === 'thinking' && typeof block.signature === 'string') return block.signature === '' || !takesSignaturesOf('anthropic', signatureIn(block.signature).origin);
  if (block?.type === 'redacted_thinking' && typeof block.data === 'string') return !takesSignaturesOf('anthropic', redactedIn(block.data).origin);
  return false;
}

/** Whether the last assistant turn, when it called tools, starts with thinking (redacted or not). */
function toolCallsLedByThinking(messages: readonly unknown[]): boolean {
  const content = items(record(messages.findLast((m) => record(m)?.role === 'assistant'))?.content);
  if (!content.some((block) => record(block)?.type === 'tool_use')) return true;
  const first = record(content[0])?.type;
  return first === 'thinking' || first === 'redacted_thinking';
}
