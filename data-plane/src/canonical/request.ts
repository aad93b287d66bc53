/**
 * The canonical request: the one internal form every inbound protocol (OpenAI chat, OpenAI responses, OpenAI
 * legacy completions, Anthropic messages) is translated into, and every provider adapter (OpenAI and its
 * relatives, Anthropic, Gemini, Bedrock Converse, mock) translates out of. N inbound protocols and M providers need
 * N + M translators, never N × M.
 *
 * Conventions:
 * - Everything a protocol can say that matters to another protocol has a field here; what only matters to the
 *   same protocol travels in `passthrough` (unknown fields are never dropped for a target that speaks the
 *   client's protocol).
 * - Optional means "the client did not say"; adapters then send nothing and let the provider default.
 * - Tool-call arguments are JSON text, exactly as the model produced them (not parsed, so nothing is reformatted).
 */
import type { ProviderKind } from '@tollgate/schema';

/** Anthropic-style prompt caching marker; kept end to end for targets that support it, dropped for others. */
export interface CacheControl {
  readonly type: 'ephemeral';
  /** e.g. '5m' or '1h'. */
  readonly ttl?: string;
}

export type ImageSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'base64'; readonly mediaType: string; readonly data: string };

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  readonly cacheControl?: CacheControl;
}

export interface ImagePart {
  readonly type: 'image';
  readonly source: ImageSource;
  /** OpenAI's `detail` (low/high/auto). */
  readonly detail?: string;
  readonly cacheControl?: CacheControl;
}

export type FileSource =
  /** The file's bytes, base64 (no data-URL prefix). */
  | { readonly kind: 'base64'; readonly mediaType: string; readonly data: string }
  /** A file the provider fetches itself; `mediaType` when the client said (Anthropic URL documents are PDFs). */
  | { readonly kind: 'url'; readonly url: string; readonly mediaType?: string }
  /** A plain-text document (Anthropic's `text` source). */
  | { readonly kind: 'text'; readonly mediaType: 'text/plain'; readonly text: string };

/**
 * A document (a PDF, a plain-text document): Anthropic `document` blocks, OpenAI chat `file` parts, Responses
 * `input_file` items. Allowed in user messages and tool results. Uploaded-file ids are not: the gateway stores no
 * files, so surfaces answer those with a 400.
 */
export interface FilePart {
  readonly type: 'file';
  readonly source: FileSource;
  /** File name as the client gave it (OpenAI `filename`), extension included. */
  readonly filename?: string;
  /** Anthropic's document `title`. */
  readonly title?: string;
  /** Anthropic's document `context`. */
  readonly context?: string;
  /** Anthropic's `citations.enabled`; only Anthropic targets receive it. */
  readonly citations?: boolean;
  readonly cacheControl?: CacheControl;
}

/** What a user message or a tool result may hold besides tool traffic. */
export type MediaPart = TextPart | ImagePart | FilePart;

/** A tool call the assistant made (in an assistant message). */
export interface ToolCallPart {
  readonly type: 'tool-call';
  readonly id: string;
  readonly name: string;
  /** JSON text of the arguments, verbatim. */
  readonly arguments: string;
  readonly cacheControl?: CacheControl;
}

/** The result of a tool call (in a `tool` message). */
export interface ToolResultPart {
  readonly type: 'tool-result';
  readonly toolCallId: string;
  /** Tool name when the inbound protocol carries it (Gemini needs it; adapters look it up otherwise). */
  readonly name?: string;
  readonly content: readonly MediaPart[];
  readonly isError?: boolean;
  readonly cacheControl?: CacheControl;
}

/**
 * Model reasoning carried back in a conversation (Anthropic thinking blocks, which must be returned with their
 * signature, or redacted thinking). Targets that cannot take it back drop it.
 */
export interface ReasoningPart {
  readonly type: 'reasoning';
  readonly text: string;
  readonly signature?: string;
  /** Opaque redacted thinking data; `text` is empty when set. */
  readonly redactedData?: string;
  /**
   * The provider that wrote `signature` / `redactedData`, when known. Only that provider can verify them (others
   * reject the request), so only its deployments get them: for any other the part is unsigned reasoning
   * (`foreignReasoningRemoved`). Unknown goes to every target; an Anthropic client's untagged thinking is
   * Anthropic's (`anthropic-messages/signatures.ts`).
   */
  readonly origin?: ProviderKind;
}

export type ContentPart = TextPart | ImagePart | FilePart | ToolCallPart | ToolResultPart | ReasoningPart;

/**
 * `system` covers OpenAI system and developer messages and Anthropic/Gemini/Bedrock system prompts; `tool`
 * messages hold only tool-result parts. Adjacent messages of the same role are allowed; adapters whose provider
 * requires alternation merge them.
 */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  readonly role: Role;
  readonly content: readonly ContentPart[];
  readonly name?: string;
}

export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly strict?: boolean;
  readonly cacheControl?: CacheControl;
}

export type ToolChoice =
  | { readonly type: 'auto' }
  | { readonly type: 'none' }
  /** The model must call some tool (OpenAI `required`, Anthropic `any`). */
  | { readonly type: 'required' }
  | { readonly type: 'tool'; readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: Readonly<Record<string, unknown>>; readonly strict?: boolean };

/** Reasoning controls: OpenAI `reasoning_effort`, Anthropic/Gemini/Bedrock thinking budgets. */
export interface ReasoningConfig {
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Thinking token budget; adapters derive one from `effort` when only that is given, and vice versa. */
  readonly budgetTokens?: number;
  /**
   * The client turned reasoning off (OpenAI effort `none`); `effort` and `budgetTokens` are then absent. Not
   * reasoning is the default of most providers, whose adapters send nothing for it (an explicit "none" would reach
   * models that refuse reasoning parameters); an adapter whose provider reasons by default (Gemini) turns it off.
   */
  readonly off?: true;
}

/** The inbound protocols, named where a request or a passthrough needs to know where it came from. */
export type InboundProtocol = 'openai-chat' | 'openai-responses' | 'openai-completions' | 'anthropic-messages';

export interface CanonicalRequest {
  readonly messages: readonly Message[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  readonly parallelToolCalls?: boolean;
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly responseFormat?: ResponseFormat;
  readonly reasoning?: ReasoningConfig;
  /** End-user id the client passed (OpenAI `user`, Anthropic `metadata.user_id`). */
  readonly user?: string;
  /**
   * The client's prompt-cache key (OpenAI `prompt_cache_key`, which Codex sends on every turn): it expects the
   * prompt's prefix cached for the next request with the same key. OpenAI caches prefixes by itself (and gets the key
   * through passthrough); Claude caches only at marks, so its adapters mark a prompt that carries none
   * (`providers/anthropic/prompt-cache.ts`).
   */
  readonly promptCacheKey?: string;
  /** Whether the client streams; adapters may call upstream either way but always produce events. */
  readonly stream: boolean;
  /**
   * Request fields of the client's protocol that the canonical form does not model, keyed by wire name. An
   * adapter whose provider speaks `protocol` merges them into its request (so new provider parameters keep
   * working through the gateway); every other adapter ignores them.
   */
  readonly passthrough?: {
    readonly protocol: InboundProtocol;
    readonly fields: Readonly<Record<string, unknown>>;
    /** Request headers of that protocol to send on to such a target (Anthropic's `anthropic-beta`). */
    readonly headers?: Readonly<Record<string, string>>;
  };
}
