/**
 * Gemini's `GenerateContentRequest` as Tollgate sends it (the subset the canonical form maps onto). Responses are
 * typed by the zod schemas in `response-schema.ts`, which keep unknown fields.
 * @see https://ai.google.dev/api/generate-content#request-body
 */

export interface GeminiInlineData {
  readonly mimeType: string;
  /** Base64, no data-URL prefix. */
  readonly data: string;
}

export interface GeminiFileData {
  readonly fileUri: string;
  readonly mimeType?: string;
}

export interface GeminiFunctionCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly id?: string;
}

export interface GeminiFunctionResponse {
  readonly name: string;
  /** Gemini's convention: `output` for the result, `error` for a failure. */
  readonly response: Record<string, unknown>;
  readonly id?: string;
}

/** A part holds exactly one of text, inlineData, fileData, functionCall, functionResponse. */
export interface GeminiPart {
  readonly text?: string;
  /** A thought summary (only in responses when `includeThoughts` is set). */
  readonly thought?: boolean;
  /** Opaque reasoning state the model attached to this part; must go back on the same part. */
  thoughtSignature?: string;
  readonly inlineData?: GeminiInlineData;
  readonly fileData?: GeminiFileData;
  readonly functionCall?: GeminiFunctionCall;
  readonly functionResponse?: GeminiFunctionResponse;
}

export type GeminiRole = 'user' | 'model';

export interface GeminiContent {
  readonly role: GeminiRole;
  readonly parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  readonly name: string;
  readonly description?: string;
  /** Full JSON Schema (mutually exclusive with the OpenAPI-subset `parameters`, which Tollgate never sends). */
  readonly parametersJsonSchema: Readonly<Record<string, unknown>>;
}

export interface GeminiTool {
  readonly functionDeclarations: GeminiFunctionDeclaration[];
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

export interface GeminiToolConfig {
  readonly functionCallingConfig: {
    readonly mode: GeminiFunctionCallingMode;
    /** Only with mode ANY. */
    readonly allowedFunctionNames?: string[];
  };
}

export interface GeminiThinkingConfig {
  readonly includeThoughts?: boolean;
  readonly thinkingBudget?: number;
  /** Gemini 3 and later; never with `thinkingBudget` (`thinking-budget.ts`). Enum names, as Google's SDK sends them. */
  readonly thinkingLevel?: 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';
}

export interface GeminiGenerationConfig {
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly stopSequences?: string[];
  readonly seed?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly responseMimeType?: string;
  /** Full JSON Schema of the response (mutually exclusive with the OpenAPI-subset `responseSchema`). */
  readonly responseJsonSchema?: Readonly<Record<string, unknown>>;
  readonly thinkingConfig?: GeminiThinkingConfig;
}

export interface GenerateContentRequest {
  readonly contents: GeminiContent[];
  readonly systemInstruction?: { readonly parts: { readonly text: string }[] };
  readonly tools?: GeminiTool[];
  readonly toolConfig?: GeminiToolConfig;
  readonly generationConfig?: GeminiGenerationConfig;
}
