import type { CanonicalRequest, ContentPart, FilePart, MediaPart, Message, ToolDefinition } from '../canonical/request.js';

/**
 * Local token counts, for when a provider reports none: a stream cut short (client disconnect, upstream failure),
 * a provider without usage, Anthropic `count_tokens` against targets without a counting endpoint. Text is counted
 * with a real BPE tokenizer, o200k_base (GPT-4o, 4.1, o-series, GPT-5): exact for OpenAI models, and for other
 * providers' tokenizers a far closer estimate than characters ÷ 4. Images and binary files, whose tokens depend on
 * what the provider makes of them, keep size heuristics.
 *
 * `roughPromptTokens` is the cheap variant (characters ÷ 4, no tokenizer) for the hot path: rate-limit
 * reservations are made on every request, and tokenizing every prompt would cost a few milliseconds of CPU per 10k
 * tokens (see docs/architecture.md, "Pricing and token counts").
 */

/**
 * The tokenizer's rank table (tokenizer/o200k.ts) takes about 35 ms to load and 4 MB of typed arrays (RSS grows by
 * 7 MB in a process that has been running, 11 MB in a fresh one). The data plane loads it once it is listening
 * (main.ts), so the first cut stream is counted for real and no request waits on the load; elsewhere (tests, embedders)
 * it loads on the first count that wants it, in the background. Until it has, text counts fall back to
 * characters ÷ 4 (still marked estimated, like every local count), and they stay that way if it cannot load (a
 * damaged install: `tokenizerReady` rejects, which main.ts logs).
 */
let tokenizer: { countTokens(text: string): number } | undefined;
let tokenizerLoaded: Promise<void> | undefined;

function loadTokenizer(): Promise<void> {
  return (tokenizerLoaded ??= import('./tokenizer/o200k.js').then((m) => {
    tokenizer = m;
  }));
}

/** Loads the tokenizer now and resolves once text is counted with it (tests wait for it). */
export function tokenizerReady(): Promise<void> {
  return loadTokenizer();
}

/**
 * Tokens of `text` as o200k_base counts them. Special-token markers in text (`<|endoftext|>`) are counted as the
 * text they are, as providers treat them.
 */
export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (tokenizer === undefined) {
    loadTokenizer().catch(() => undefined);
    return roughTextTokens(text.length);
  }
  return tokenizer.countTokens(text);
}

/**
 * Four characters per token. o200k averages more than that on English prose, so this overcounts it by about a third
 * (on the safe side for reservations); dense code, digits and non-Latin scripts can come out under the real count.
 */
function roughTextTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Per-message overhead of chat formatting (role markers), as OpenAI's own counting guidance uses. */
const TOKENS_PER_MESSAGE = 3;
/** A flat charge for an image: providers bill images by size, which is unknown here. */
const TOKENS_PER_IMAGE = 85;
/**
 * Binary files (PDFs) are estimated from their size: counting pages would mean parsing the file. Anthropic bills
 * a PDF page at 1,500–3,000 tokens (its text plus an image of the page). One token per 16 bytes puts a ten-page,
 * 300 KB paper (fonts embedded) at about 19,000, within the 15,000–30,000 it is billed; scans come out too high
 * and small text-only files too low, so a file counts at least one page. A URL, whose size is unknown here,
 * counts one page. Text documents count by their characters, like text.
 */
const BYTES_PER_FILE_TOKEN = 16;
const TOKENS_PER_FILE_PAGE = 1500;

/** Calls `text` with each text-bearing piece of a part (tool results: of their parts). */
function eachText(part: ContentPart, text: (piece: string) => void): void {
  switch (part.type) {
    case 'text':
    case 'reasoning':
      text(part.text);
      return;
    case 'tool-call':
      text(part.name);
      text(part.arguments);
      return;
    case 'tool-result':
      for (const p of part.content) eachText(p, text);
      return;
    case 'file':
      if (part.source.kind === 'text') text(part.source.text);
      return;
    case 'image':
      return;
  }
}

/** Tokens of a part that are not counted from its characters (images, binary files). */
function mediaTokens(part: MediaPart): number {
  if (part.type === 'image') return TOKENS_PER_IMAGE;
  if (part.type === 'file') return fileTokens(part);
  return 0;
}

function fileTokens(part: FilePart): number {
  const { source } = part;
  if (source.kind === 'text') return 0;
  if (source.kind === 'url') return TOKENS_PER_FILE_PAGE;
  // The decoded size, computed from the base64 text without decoding it.
  const bytes = Buffer.byteLength(source.data, 'base64');
  return Math.max(TOKENS_PER_FILE_PAGE, Math.ceil(bytes / BYTES_PER_FILE_TOKEN));
}

/** Characters of the text-bearing parts of a message. */
export function messageTextLength(message: Message): number {
  let chars = 0;
  for (const part of message.content) eachText(part, (piece) => (chars += piece.length));
  return chars;
}

/**
 * Prompt tokens counted locally: each message's text with the tokenizer, plus a small per-message overhead, images
 * and files by the heuristics above, and tool definitions (name, description, JSON schema). Used for every count
 * the provider does not report (see the top of this file).
 */
export function estimatePromptTokens(messages: readonly Message[], tools: readonly ToolDefinition[] = []): number {
  let tokens = 0;
  for (const m of messages) {
    tokens += TOKENS_PER_MESSAGE + mediaTokensOf(m);
    for (const part of m.content) eachText(part, (piece) => (tokens += countTextTokens(piece)));
  }
  for (const tool of tools) tokens += countTextTokens(toolText(tool));
  return tokens;
}

/**
 * Prompt tokens of a forwarded request whose upstream reported none, as `estimatePromptTokens` counts its canonical
 * form. The fast path never validated the body (the provider did): one the canonical form cannot take (chat's
 * exotic content, completions' token-id or several prompts, parameters only the provider's endpoint serves) is
 * estimated from the JSON size of its `prompt` field (messages, prompt) at four characters per token.
 */
export function forwardedPromptTokens(canonical: () => CanonicalRequest, prompt: unknown): number {
  try {
    const { messages, tools } = canonical();
    return estimatePromptTokens(messages, tools);
  } catch {
    return Math.ceil(JSON.stringify(prompt ?? '').length / 4);
  }
}

/**
 * The same count at four characters per token, without the tokenizer: cheap enough for every request (rate-limit
 * reservations), and above `estimatePromptTokens` on English prose (see `roughTextTokens`).
 */
export function roughPromptTokens(messages: readonly Message[], tools: readonly ToolDefinition[] = []): number {
  let tokens = 0;
  for (const m of messages) tokens += roughTextTokens(messageTextLength(m)) + TOKENS_PER_MESSAGE + mediaTokensOf(m);
  for (const tool of tools) tokens += roughTextTokens(toolText(tool).length);
  return tokens;
}

/** Input images of a request (user turns and tool results), for per-image prices. */
export function countImages(messages: readonly Message[]): number {
  let images = 0;
  for (const m of messages) {
    for (const part of m.content) {
      if (part.type === 'image') images++;
      else if (part.type === 'tool-result') for (const p of part.content) if (p.type === 'image') images++;
    }
  }
  return images;
}

function mediaTokensOf(message: Message): number {
  let tokens = 0;
  for (const part of message.content) {
    if (part.type === 'image' || part.type === 'file') tokens += mediaTokens(part);
    if (part.type === 'tool-result') for (const p of part.content) tokens += mediaTokens(p);
  }
  return tokens;
}

function toolText(tool: ToolDefinition): string {
  return `${tool.name} ${tool.description ?? ''} ${JSON.stringify(tool.parameters)}`;
}

/** Output tokens counted locally (reasoning included, as providers count them) and, of them, reasoning tokens. */
export interface CountedOutput {
  readonly outputTokens: number;
  readonly reasoningTokens: number;
}

/**
 * The text of an answer as it arrived (the pieces themselves, not copies), split into the answer proper (text, tool
 * names and arguments, refusals) and reasoning, for counting its output tokens locally when the provider reports
 * none: a stream cut short, a provider without usage. Tokenized only by `count`.
 */
export class OutputText {
  private readonly answer: string[] = [];
  private readonly reasoning: string[] = [];

  /** Adds `text` to the answer; anything but a non-empty string is ignored (fields of upstream JSON, unchecked). */
  add(text: unknown): void {
    if (typeof text === 'string' && text !== '') this.answer.push(text);
  }

  /** Adds `text` to the reasoning, likewise. */
  addReasoning(text: unknown): void {
    if (typeof text === 'string' && text !== '') this.reasoning.push(text);
  }

  /** The counts of what was gathered, with the tokenizer. */
  count(): CountedOutput {
    const reasoningTokens = countTextTokens(this.reasoning.join(''));
    return { outputTokens: reasoningTokens + countTextTokens(this.answer.join('')), reasoningTokens };
  }
}
