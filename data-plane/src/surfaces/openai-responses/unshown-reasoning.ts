import { z } from 'zod';
import { record } from '../forward/output.js';

/**
 * Reasoning a Responses item does not show. OpenAI shows a reasoning summary only when the request asks for one
 * (`reasoning.summary`: `auto`, `concise` or `detailed`); otherwise its reasoning items come with `summary: []`, so a
 * translated model's reasoning does too (`summariesAsked`). Its text must still go back to the model next turn:
 * a signature is verified against its text (Anthropic and Bedrock take both back), and DeepSeek wants a tool-calling
 * turn's reasoning back. So it rides in `encrypted_content`, the field clients return verbatim, with what
 * `../reasoning-carry.ts` carries there (the signature, tagged with its provider):
 * `tollgate-reasoning:<base64 of {"text", "carried"}>`.
 * @see https://platform.openai.com/docs/guides/reasoning?api-mode=responses#reasoning-summaries
 */
const PREFIX = 'tollgate-reasoning:';

const Unshown = z.object({ text: z.string(), carried: z.string().optional() });
export type Unshown = z.infer<typeof Unshown>;

/** True when a request's `reasoning` asks for summaries (the deprecated `generate_summary` says the same). */
export function summariesAsked(reasoning: unknown): boolean {
  const asked = record(reasoning);
  const summary = asked?.summary ?? asked?.generate_summary;
  return summary === 'auto' || summary === 'concise' || summary === 'detailed';
}

/** `encrypted_content` for reasoning not shown: its text, with `carried` (`carrySignature`'s) when it is signed. */
export function carryUnshown(text: string, carried: string | undefined): string {
  return PREFIX + Buffer.from(JSON.stringify({ text, carried })).toString('base64');
}

/** What `carryUnshown` wrote in `content`; undefined for anything else. */
export function readUnshown(content: string): Unshown | undefined {
  if (!content.startsWith(PREFIX)) return undefined;
  try {
    const parsed = Unshown.safeParse(JSON.parse(Buffer.from(content.slice(PREFIX.length), 'base64').toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: not something Tollgate wrote
  }
}
