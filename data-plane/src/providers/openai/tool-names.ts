import { createHash } from 'node:crypto';
import type { CanonicalRequest } from '../../canonical/request.js';
import type { StreamEvent } from '../types.js';

/** The longest function name OpenAI takes (`^[a-zA-Z0-9_-]{1,64}$`); Anthropic takes 128. */
export const MAX_TOOL_NAME_LENGTH = 64;

/** Of a shortened name: the original's first characters, a digest of it, and its last characters. */
const HEAD = 20;
const DIGEST = 10;
const TAIL = MAX_TOOL_NAME_LENGTH - HEAD - DIGEST - 2;

/** The tool names of one request, as the client calls them and as they go upstream. */
export interface ToolNames {
  /** Whether any name goes upstream shortened (else both directions are the identity). */
  readonly shortened: boolean;
  /** The name the upstream knows the client's tool `name` by. */
  toUpstream(name: string): string;
  /** The client's name for the tool the upstream called `name`. */
  toClient(name: string): string;
}

const UNCHANGED: ToolNames = { shortened: false, toUpstream: (name) => name, toClient: (name) => name };

/**
 * The names a request's tools go upstream with. OpenAI refuses a function name longer than 64 characters (400), in
 * `tools`, `tool_choice` and the history's `tool_calls` alike, while Anthropic takes 128, and Claude Code's MCP tools
 * (`mcp__<server>__<tool>`) often need more than 64. Each longer name goes as its first 20 characters, a 10-hex-digit
 * SHA-256 of it, and its last 32, so the model still reads the server and the tool
 * (`mcp__github_enterprise__list_pull_request_review_comments_for_repository` goes as
 * `mcp__github_enterpri_6f01658063_t_review_comments_for_repository`); the answer's calls are named back
 * (`withClientToolNames`). Names that fit go as they are.
 *
 * The shortened name depends on the name alone, so it is the same on every turn of a conversation (the history's calls
 * match the tools, and prompt caching keeps working). Within a request it is unique: should it equal another name of the
 * request (a 40-bit digest: practically never), the digest is taken again with a counter until it does not.
 * Compatible servers get the same: Mistral's, Groq's and Gemini's OpenAI-compatible APIs have the same limit, and the
 * client never sees the difference.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
export function toolNames(request: CanonicalRequest): ToolNames {
  const names = new Set<string>();
  for (const tool of request.tools ?? []) names.add(tool.name);
  if (request.toolChoice?.type === 'tool') names.add(request.toolChoice.name);
  for (const message of request.messages) {
    if (message.role !== 'assistant') continue;
    for (const part of message.content) if (part.type === 'tool-call') names.add(part.name);
  }
  const long = [...names].filter((name) => name.length > MAX_TOOL_NAME_LENGTH);
  if (long.length === 0) return UNCHANGED;

  const taken = new Set([...names].filter((name) => name.length <= MAX_TOOL_NAME_LENGTH));
  const upstream = new Map<string, string>();
  const client = new Map<string, string>();
  for (const name of long) {
    let short = shortened(name, 0);
    for (let attempt = 1; taken.has(short); attempt++) short = shortened(name, attempt);
    taken.add(short);
    upstream.set(name, short);
    client.set(short, name);
  }
  return { shortened: true, toUpstream: (name) => upstream.get(name) ?? name, toClient: (name) => client.get(name) ?? name };
}

function shortened(name: string, attempt: number): string {
  const digest = createHash('sha256').update(attempt === 0 ? name : `${name}#${attempt}`).digest('hex').slice(0, DIGEST);
  return `${name.slice(0, HEAD)}_${digest}_${name.slice(-TAIL)}`;
}

/** `events` with the tools the upstream called by shortened names (`toolNames`) called by the client's names again. */
export async function* withClientToolNames(events: AsyncIterable<StreamEvent>, names: ToolNames): AsyncGenerator<StreamEvent> {
  for await (const event of events) yield event.type === 'tool-call-start' ? { ...event, name: names.toClient(event.name) } : event;
}
