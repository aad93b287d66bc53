import { z } from 'zod';

/**
 * Bedrock Runtime Converse / ConverseStream on the wire: the request as TypeScript types (we build it, so typing is
 * enough), the response, stream events and error bodies as zod schemas (we read them, so each is parsed once and a
 * malformed one is an error, not a crash). Schemas type only the fields Tollgate acts on; unknown fields (Bedrock
 * pads stream events with a random `p` field, for one) are ignored.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */

// ── Request ────────────────────────────────────────────────────────────────────────────────────────────────────

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface CachePoint {
  readonly cachePoint: { readonly type: 'default'; readonly ttl?: '5m' | '1h' };
}

export interface ImageBlock {
  /** `bytes` is base64 in the JSON protocol. */
  readonly image: { readonly format: ImageFormat; readonly source: { readonly bytes: string } };
}

export type DocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

export interface DocumentBlock {
  /**
   * `name` is 1–200 characters of letters, digits, single whitespace, hyphens, parentheses and square brackets,
   * unique within the request. `bytes` is base64 in the JSON protocol.
   */
  readonly document: {
    readonly format: DocumentFormat;
    readonly name: string;
    readonly source: { readonly bytes: string } | { readonly s3Location: { readonly uri: string } };
  };
}

export type ToolResultContent = { readonly text: string } | ImageBlock | DocumentBlock | { readonly json: unknown };

export type ReasoningContent =
  | { readonly reasoningText: { readonly text: string; readonly signature?: string } }
  /** Opaque, base64 in the JSON protocol. */
  | { readonly redactedContent: string };

export type ContentBlock =
  | { readonly text: string }
  | ImageBlock
  | DocumentBlock
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: unknown } }
  | {
      readonly toolResult: {
        readonly toolUseId: string;
        readonly content: readonly ToolResultContent[];
        readonly status?: 'success' | 'error';
      };
    }
  | { readonly reasoningContent: ReasoningContent }
  | CachePoint;

export type ConversationRole = 'user' | 'assistant';

export interface ConverseMessage {
  readonly role: ConversationRole;
  readonly content: readonly ContentBlock[];
}

export type SystemBlock = { readonly text: string } | CachePoint;

export interface ToolSpec {
  readonly toolSpec: {
    readonly name: string;
    readonly description?: string;
    readonly inputSchema: { readonly json: unknown };
    readonly strict?: boolean;
  };
}

export type ConverseToolChoice = { readonly auto: Record<string, never> } | { readonly any: Record<string, never> } | { readonly tool: { readonly name: string } };

export interface InferenceConfig {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
}

/** The body of `POST /model/{modelId}/converse` and `/converse-stream` (the model id travels in the path). */
export interface ConverseRequest {
  readonly messages: readonly ConverseMessage[];
  readonly system?: readonly SystemBlock[];
  readonly inferenceConfig?: InferenceConfig;
  readonly toolConfig?: { readonly tools: readonly (ToolSpec | CachePoint)[]; readonly toolChoice?: ConverseToolChoice };
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
  /** JSON Pointers into the model's own response that Converse returns in `additionalModelResponseFields`. */
  readonly additionalModelResponseFieldPaths?: readonly string[];
}

// ── Response ───────────────────────────────────────────────────────────────────────────────────────────────────

const count = z.number().int().nonnegative();

export const TokenUsageSchema = z.object({
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  totalTokens: count.optional(),
  cacheReadInputTokens: count.optional(),
  cacheWriteInputTokens: count.optional(),
  /**
   * The cache writes by lifetime (`ttl`: `5m` or `1h`, as the request's cache points asked), 1h first; empty or absent
   * when nothing was written. A TTL Bedrock may add later is read as a string, not refused.
   * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
   */
  cacheDetails: z.array(z.object({ ttl: z.string(), inputTokens: count })).optional(),
});
export type TokenUsageWire = z.infer<typeof TokenUsageSchema>;

const ResponseContentBlock = z.object({
  text: z.string().optional(),
  toolUse: z.object({ toolUseId: z.string(), name: z.string(), input: z.unknown() }).optional(),
  reasoningContent: z
    .object({
      reasoningText: z.object({ text: z.string(), signature: z.string().optional() }).optional(),
      redactedContent: z.string().optional(),
    })
    .optional(),
});

export const ConverseResponseSchema = z.object({
  output: z.object({
    message: z.object({ role: z.literal('assistant'), content: z.array(ResponseContentBlock) }),
  }),
  stopReason: z.string(),
  usage: TokenUsageSchema.optional(),
  additionalModelResponseFields: z.record(z.string(), z.unknown()).nullish(),
});
export type ConverseResponse = z.infer<typeof ConverseResponseSchema>;

// ── Stream events (the JSON payload of an event-stream message, by its `:event-type`) ────────────────────────

export const StreamEventSchemas = {
  messageStart: z.object({ role: z.string() }),
  contentBlockStart: z.object({
    contentBlockIndex: count,
    start: z.object({ toolUse: z.object({ toolUseId: z.string(), name: z.string() }).optional() }),
  }),
  contentBlockDelta: z.object({
    contentBlockIndex: count,
    delta: z.object({
      text: z.string().optional(),
      toolUse: z.object({ input: z.string() }).optional(),
      reasoningContent: z
        .object({ text: z.string().optional(), signature: z.string().optional(), redactedContent: z.string().optional() })
        .optional(),
    }),
  }),
  contentBlockStop: z.object({ contentBlockIndex: count }),
  messageStop: z.object({ stopReason: z.string(), additionalModelResponseFields: z.record(z.string(), z.unknown()).nullish() }),
  metadata: z.object({ usage: TokenUsageSchema.optional(), metrics: z.object({ latencyMs: z.number().optional() }).optional() }),
} as const;

export type StreamEventType = keyof typeof StreamEventSchemas;

// ── Errors ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** An error response body (`x-amzn-ErrorType` names the error) and an exception message's payload alike. */
export const ErrorBodySchema = z.object({
  message: z.string().optional(),
  Message: z.string().optional(),
  /** Some proxies and older endpoints put the type in the body. */
  __type: z.string().optional(),
  /** `modelStreamErrorException`: the model's own failure. */
  originalStatusCode: z.number().int().optional(),
  originalMessage: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
