/**
 * The Anthropic Messages API request, as this adapter sends it: only the fields it writes are typed; passthrough
 * fields from an Anthropic-speaking client ride along untyped.
 * @see https://docs.anthropic.com/en/api/messages
 */

import type { AnthropicOutputFormat } from './structured-output.js';

export interface AnthropicCacheControl {
  readonly type: 'ephemeral';
  readonly ttl?: string;
}

export interface AnthropicTextBlock {
  readonly type: 'text';
  readonly text: string;
  readonly cache_control?: AnthropicCacheControl;
}

export interface AnthropicImageBlock {
  readonly type: 'image';
  readonly source:
    | { readonly type: 'url'; readonly url: string }
    | { readonly type: 'base64'; readonly media_type: string; readonly data: string };
  readonly cache_control?: AnthropicCacheControl;
}

export interface AnthropicDocumentBlock {
  readonly type: 'document';
  readonly source:
    | { readonly type: 'base64'; readonly media_type: 'application/pdf'; readonly data: string }
    | { readonly type: 'text'; readonly media_type: 'text/plain'; readonly data: string }
    | { readonly type: 'url'; readonly url: string };
  readonly title?: string;
  readonly context?: string;
  readonly citations?: { readonly enabled: boolean };
  readonly cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly cache_control?: AnthropicCacheControl;
}

export interface AnthropicToolResultBlock {
  readonly type: 'tool_result';
  readonly tool_use_id: string;
  readonly content?: readonly (AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock)[];
  readonly is_error?: boolean;
  readonly cache_control?: AnthropicCacheControl;
}

export interface AnthropicThinkingBlock {
  readonly type: 'thinking';
  readonly thinking: string;
  readonly signature: string;
}

export interface AnthropicRedactedThinkingBlock {
  readonly type: 'redacted_thinking';
  readonly data: string;
}

export type AnthropicContentBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | AnthropicToolResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

export interface AnthropicMessage {
  readonly role: 'user' | 'assistant';
  readonly content: AnthropicContentBlock[];
}

export interface AnthropicTool {
  readonly name: string;
  readonly description?: string;
  readonly input_schema: Readonly<Record<string, unknown>>;
  readonly strict?: boolean;
  readonly cache_control?: AnthropicCacheControl;
}

export type AnthropicToolChoice =
  | { readonly type: 'auto'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' };

export type AnthropicThinkingConfig = { readonly type: 'enabled'; readonly budget_tokens: number } | { readonly type: 'adaptive' };

export type AnthropicEffort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface AnthropicMessagesRequest {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly AnthropicMessage[];
  readonly system?: readonly AnthropicTextBlock[];
  readonly tools?: readonly AnthropicTool[];
  readonly tool_choice?: AnthropicToolChoice;
  readonly thinking?: AnthropicThinkingConfig;
  readonly output_config?: { readonly effort?: AnthropicEffort; readonly format?: AnthropicOutputFormat };
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
  readonly stop_sequences?: readonly string[];
  readonly metadata?: { readonly user_id: string };
  readonly stream?: boolean;
  /** Passthrough fields from an Anthropic-speaking client. */
  readonly [field: string]: unknown;
}

