import { z } from 'zod';

/**
 * Gemini's `GenerateContentResponse`: the whole non-streamed answer, and each `data:` record of
 * streamGenerateContent?alt=sse (a stream record has exactly the same shape). Only the fields the adapter acts on
 * are typed; everything else (safetyRatings, citationMetadata, grounding…) passes through untouched.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 */

export const GeminiResponsePart = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: z
    .looseObject({
      name: z.string(),
      args: z.record(z.string(), z.unknown()).optional(),
      id: z.string().optional(),
    })
    .optional(),
});
export type GeminiResponsePart = z.infer<typeof GeminiResponsePart>;

export const GeminiCandidate = z.looseObject({
  content: z.looseObject({ parts: z.array(GeminiResponsePart).optional(), role: z.string().optional() }).optional(),
  finishReason: z.string().optional(),
  finishMessage: z.string().optional(),
  index: z.number().optional(),
  /** Grounding with Google Search: the queries it ran, which Google bills. Read for billing only, so never an error. */
  groundingMetadata: z
    .looseObject({ webSearchQueries: z.array(z.string()).optional() })
    .optional()
    .catch(undefined),
});

/**
 * A count of one modality's tokens (`TEXT`, `IMAGE`, `VIDEO`, `AUDIO`, `DOCUMENT`); proto3 JSON leaves out a count of 0.
 * @see https://ai.google.dev/api/generate-content#ModalityTokenCount
 */
const ModalityTokenCounts = z
  .array(z.looseObject({ modality: z.string().optional(), tokenCount: z.number().optional() }))
  .optional()
  .catch(undefined);

export const GeminiUsageMetadata = z.looseObject({
  promptTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  /** The prompt's tokens by modality (cached ones included): audio is priced apart. Read for billing only, so never an error. */
  promptTokensDetails: ModalityTokenCounts,
  /** The cached content's tokens by modality. Read for billing only, so never an error. */
  cacheTokensDetails: ModalityTokenCounts,
});
export type GeminiUsageMetadata = z.infer<typeof GeminiUsageMetadata>;

export const GeminiResponse = z.looseObject({
  candidates: z.array(GeminiCandidate).optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() }).optional(),
  usageMetadata: GeminiUsageMetadata.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});
export type GeminiResponse = z.infer<typeof GeminiResponse>;
