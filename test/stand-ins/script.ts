/**
 * What a provider stand-in's "model" does for one request, the same for every stand-in so one test can drive any
 * provider through any inbound protocol. A test steers it with a directive anywhere in the LAST user message:
 *
 *   [[script:{"text":"Hi","toolCalls":[{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}]}]]
 *
 * Without a directive the model echoes: `Echo: <last user text>`. Each stand-in renders the resolved script in its
 * provider's exact wire format (JSON or streaming framing), including its error bodies for `fault`.
 */
export interface ScriptToolCall {
  readonly name: string;
  /** JSON text of the arguments; streamed in pieces of `argumentChunkSize` characters. */
  readonly arguments: string;
  /** Call id; stand-ins generate a provider-style id when absent. */
  readonly id?: string;
}

export type ScriptFault =
  /** Answer with the provider's own error body and this status (e.g. 429 with retry-after, 400 context length). */
  | { readonly kind: 'http'; readonly status: number; readonly message?: string; readonly retryAfter?: string; readonly code?: string }
  /** Stream `afterChunks` content chunks, then the provider's in-stream error event (where it has one). */
  | { readonly kind: 'midstream'; readonly afterChunks: number; readonly message?: string }
  /** Stream `afterChunks` content chunks, then destroy the connection without any closing event. */
  | { readonly kind: 'drop'; readonly afterChunks: number }
  /** Accept the request and never answer (timeouts, client aborts). */
  | { readonly kind: 'hang' }
  /** The provider's safety block (Gemini finishReason SAFETY, OpenAI content_filter, Bedrock guardrail...). */
  | { readonly kind: 'content-filter' };

export interface Script {
  readonly text?: string;
  /** Reasoning/thinking text emitted before the answer, where the provider supports it. */
  readonly reasoning?: string;
  readonly toolCalls?: readonly ScriptToolCall[];
  /** Pause between streamed chunks, milliseconds. */
  readonly chunkDelayMs?: number;
  /**
   * Pause after the last event before the response body ends, milliseconds: the end of the chunked body (and the
   * connection's return to the client's pool) then comes in a later packet than the last event, as over a network.
   */
  readonly endDelayMs?: number;
  /** Number of text chunks to split `text` into for streaming (default: one per word). */
  readonly chunks?: number;
  readonly fault?: ScriptFault;
  /** Override reported usage; otherwise derived deterministically (see `resolveScript`). */
  readonly usage?: Partial<ScriptUsage>;
  /** Stop because of max tokens rather than naturally. */
  readonly truncated?: boolean;
  /**
   * Anthropic only: citations of the answer's text block, as Anthropic's objects (`char_location`,
   * `web_search_result_location`, ...): on the whole message's block, and as `citations_delta` events when streamed.
   */
  readonly citations?: readonly Record<string, unknown>[];
}

export interface ScriptUsage {
  /** All input tokens, including cache reads and writes. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** The part of `cacheWriteTokens` written for an hour, not 5 minutes (Anthropic, Bedrock); default 0. */
  readonly cacheWrite1hTokens?: number;
  readonly reasoningTokens: number;
}

export interface ResolvedScript {
  readonly text: string;
  /** `text` split for streaming; joined they equal `text`. */
  readonly textChunks: readonly string[];
  readonly citations: readonly Record<string, unknown>[];
  readonly reasoning: string | undefined;
  readonly reasoningChunks: readonly string[];
  readonly toolCalls: readonly Required<ScriptToolCall>[];
  readonly chunkDelayMs: number;
  readonly endDelayMs: number;
  readonly fault: ScriptFault | undefined;
  readonly usage: ScriptUsage;
  readonly finish: 'stop' | 'length' | 'tool_calls' | 'content_filter';
}

const DIRECTIVE = /\[\[script:(\{.*?\})\]\]/s;
export const ARGUMENT_CHUNK_SIZE = 8;

/** Splits into word-sized chunks, spaces leading (`"Hello", " world"`), so joined chunks equal the text. */
export function wordChunks(text: string, count?: number): string[] {
  if (text === '') return [];
  const words = text.match(/\s*\S+\s*$|\s*\S+/g) ?? [text];
  if (!count || count >= words.length) return words;
  const per = Math.ceil(words.length / count);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(''));
  return out;
}

/** Splits JSON argument text into fixed-size pieces, the way providers stream tool arguments. */
export function argumentChunks(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += ARGUMENT_CHUNK_SIZE) out.push(args.slice(i, i + ARGUMENT_CHUNK_SIZE));
  return out.length > 0 ? out : [''];
}

/**
 * Resolves the script for a request. `lastUserText` is the text of the last user message; `promptChars` the
 * characters of the whole prompt, from which input tokens are derived (ceil(chars / 4)) unless overridden;
 * `idPrefix` makes tool-call ids look like the provider's (`call_`, `toolu_`, `tooluse_`).
 */
export function resolveScript(lastUserText: string, promptChars: number, idPrefix = 'call_'): ResolvedScript {
  const match = DIRECTIVE.exec(lastUserText);
  const script: Script = match ? (JSON.parse(match[1]!) as Script) : {};
  const text = script.text ?? (match ? '' : `Echo: ${lastUserText}`);
  const toolCalls = (script.toolCalls ?? []).map((call, i) => ({ ...call, id: call.id ?? `${idPrefix}${String(i).padStart(2, '0')}standin` }));
  const reasoning = script.reasoning;
  const textChunks = wordChunks(text, script.chunks);
  const outputTokens = textChunks.length + (reasoning ? wordChunks(reasoning).length : 0) + toolCalls.reduce((n, c) => n + argumentChunks(c.arguments).length + 1, 0);
  const usage: ScriptUsage = {
    inputTokens: Math.max(1, Math.ceil(promptChars / 4)),
    outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: reasoning ? wordChunks(reasoning).length : 0,
    ...script.usage,
  };
  const finish = script.fault?.kind === 'content-filter' ? 'content_filter' : toolCalls.length > 0 ? 'tool_calls' : script.truncated ? 'length' : 'stop';
  return {
    text,
    textChunks,
    citations: script.citations ?? [],
    reasoning,
    reasoningChunks: reasoning ? wordChunks(reasoning) : [],
    toolCalls,
    chunkDelayMs: script.chunkDelayMs ?? 0,
    endDelayMs: script.endDelayMs ?? 0,
    fault: script.fault,
    usage,
    finish,
  };
}

/** Builds a directive for tests: `directive({ text: 'hi' })` → `[[script:{"text":"hi"}]]`. */
export function directive(script: Script): string {
  return `[[script:${JSON.stringify(script)}]]`;
}
