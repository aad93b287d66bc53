import { createHash } from 'node:crypto';
import type { CanonicalRequest } from '../canonical/request.js';
import type { StreamEvent } from './types.js';

/** What a provider takes as a function name. */
export interface ToolNameRule {
  /** The longest name it takes. */
  readonly maxLength: number;
  /** A character it takes anywhere in a name: one character class, e.g. `/[a-zA-Z0-9_-]/`. */
  readonly character: RegExp;
  /** A character it takes first, where that is narrower than `character` (it must also match `character`). */
  readonly first?: RegExp;
}

/** The tool names of one request, as the client calls them and as they go upstream. */
export interface ToolNames {
  /** Whether any name goes upstream rewritten (else both directions are the identity). */
  readonly shortened: boolean;
  /** The name the upstream knows the client's tool `name` by. */
  toUpstream(name: string): string;
  /** The client's name for the tool the upstream called `name`. */
  toClient(name: string): string;
}

/** Of a shortened name: the original's first characters, a digest of it, and its last characters. */
const HEAD = 20;
const DIGEST = 10;

const UNCHANGED: ToolNames = { shortened: false, toUpstream: (name) => name, toClient: (name) => name };

/**
 * The names a request's tools go upstream with, under a provider's `rule`. The client's names follow its own provider's
 * rule (Anthropic takes 128 characters, and Claude Code's MCP tools, `mcp__<server>__<tool>`, often need more than 64;
 * other clients take names starting with a digit), and the upstream refuses the whole request (400) for one name it
 * does not take, in the tools, the tool choice or the history's calls (and results, where they are named) alike. A name the rule refuses goes with each
 * character it refuses as `_` (and a leading `_` where its first character may not start one); one still longer than
 * the rule allows goes as its first 20 characters, a 10-hex-digit SHA-256 of the client's name, and its last ones, so
 * the model still reads the server and the tool (`mcp__github_enterprise__list_pull_request_review_comments_for_repository`
 * goes as `mcp__github_enterpri_6f01658063_t_review_comments_for_repository` in 64 characters); the answer's calls are
 * named back (`withClientToolNames`). Names the rule takes go as they are.
 *
 * The rewritten name depends on the name alone, so it is the same on every turn of a conversation (the history's calls
 * match the tools, and prompt caching keeps working). Within a request it is unique: should it equal another name of
 * the request (another client name with the same repair, or a 40-bit digest: practically never), the digest is taken
 * again with a counter until it does not.
 */
export function upstreamToolNames(request: CanonicalRequest, rule: ToolNameRule): ToolNames {
  const names = new Set<string>();
  for (const tool of request.tools ?? []) names.add(tool.name);
  if (request.toolChoice?.type === 'tool') names.add(request.toolChoice.name);
  for (const message of request.messages) {
    for (const part of message.content) {
      if (part.type === 'tool-call') names.add(part.name);
      else if (part.type === 'tool-result' && part.name !== undefined) names.add(part.name);
    }
  }
  const refused = [...names].filter((name) => !takes(rule, name));
  if (refused.length === 0) return UNCHANGED;

  const taken = new Set([...names].filter((name) => takes(rule, name)));
  const upstream = new Map<string, string>();
  const client = new Map<string, string>();
  for (const name of refused) {
    const fixed = repaired(rule, name);
    let rewritten = fixed.length <= rule.maxLength ? fixed : shortened(rule, name, fixed, 0);
    for (let attempt = 1; taken.has(rewritten); attempt++) rewritten = shortened(rule, name, fixed, attempt);
    taken.add(rewritten);
    upstream.set(name, rewritten);
    client.set(rewritten, name);
  }
  return { shortened: true, toUpstream: (name) => upstream.get(name) ?? name, toClient: (name) => client.get(name) ?? name };
}

/** `events` with the tools the upstream called by rewritten names (`upstreamToolNames`) called by the client's names again. */
export async function* withClientToolNames(events: AsyncIterable<StreamEvent>, names: ToolNames): AsyncGenerator<StreamEvent> {
  for await (const event of events) yield event.type === 'tool-call-start' ? { ...event, name: names.toClient(event.name) } : event;
}

function takes(rule: ToolNameRule, name: string): boolean {
  return name.length > 0 && name.length <= rule.maxLength && (rule.first === undefined || rule.first.test(name[0]!)) && [...name].every((c) => rule.character.test(c));
}

/** `name` with the characters `rule` refuses replaced, whatever its length. */
function repaired(rule: ToolNameRule, name: string): string {
  const fixed = [...name].map((c) => (rule.character.test(c) ? c : '_')).join('');
  return fixed.length > 0 && (rule.first === undefined || rule.first.test(fixed[0]!)) ? fixed : `_${fixed}`;
}

/**
 * `fixed` (the repaired `name`) with a digest of `name` (of `name` and `attempt` after a collision) in it, in at most
 * `rule.maxLength` characters: appended where it fits, else in place of the middle.
 */
function shortened(rule: ToolNameRule, name: string, fixed: string, attempt: number): string {
  const digest = createHash('sha256').update(attempt === 0 ? name : `${name}#${attempt}`).digest('hex').slice(0, DIGEST);
  if (fixed.length + 1 + DIGEST <= rule.maxLength) return `${fixed}_${digest}`;
  return `${fixed.slice(0, HEAD)}_${digest}_${fixed.slice(-(rule.maxLength - HEAD - DIGEST - 2))}`;
}
