import { LEADING_USER_TEXT } from '../leading-user-turn.js';
import type { CanonicalRequest, ReasoningConfig, ResponseFormat } from '../../canonical/request.js';
import type { ProviderTarget } from '../types.js';
import { convertMessages } from './convert-messages.js';
import { convertToolChoice, convertTools, jsonSchemaForGemini } from './convert-tools.js';
import { geminiToolNames } from './tool-names.js';
import { clampThinkingBudget, thinkingOff } from './thinking-budget.js';
import type { GeminiGenerationConfig, GeminiThinkingConfig, GenerateContentRequest } from './wire.js';

/**
 * Thinking budgets for a reasoning effort given without a budget. Each lies inside every Gemini 2.5 model's range
 * (`thinking-budget.ts`); Gemini 3 still accepts budgets.
 * @see https://ai.google.dev/gemini-api/docs/thinking#set-budget
 */
const BUDGET_BY_EFFORT: Record<NonNullable<ReasoningConfig['effort']>, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * The canonical request as Gemini's `GenerateContentRequest` (the body of generateContent and streamGenerateContent),
 * its tools named as Gemini takes them (`geminiToolNames`; the adapter names the answer's calls back).
 */
export function translateRequest(request: CanonicalRequest, target: ProviderTarget): GenerateContentRequest {
  const gemini3 = isGemini3(target.providerModel);
  const names = geminiToolNames(request);
  const { contents, systemTexts } = convertMessages(request.messages, { requireCallSignatures: gemini3, sendCallIds: gemini3, names });
  const tools = convertTools(request.tools, names);
  const toolConfig = convertToolChoice(request.toolChoice, tools !== undefined, names);
  const generationConfig = convertGenerationConfig(request, target.providerModel);
  return {
    // A system instruction alone (which OpenAI answers) needs a turn: Gemini refuses empty contents.
    contents: contents.length > 0 ? contents : [{ role: 'user', parts: [{ text: LEADING_USER_TEXT }] }],
    ...(systemTexts.length > 0 && { systemInstruction: { parts: systemTexts.map((text) => ({ text })) } }),
    ...(tools && { tools }),
    ...(toolConfig && { toolConfig }),
    ...(generationConfig && { generationConfig }),
  };
}

function convertGenerationConfig(request: CanonicalRequest, providerModel: string): GeminiGenerationConfig | undefined {
  const thinking = request.reasoning && thinkingConfig(request.reasoning, providerModel);
  const config: GeminiGenerationConfig = {
    ...(request.maxOutputTokens !== undefined && { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.topP !== undefined && { topP: request.topP }),
    ...(request.topK !== undefined && { topK: request.topK }),
    ...(request.stop && request.stop.length > 0 && { stopSequences: [...request.stop] }),
    ...(request.seed !== undefined && { seed: request.seed }),
    ...(request.presencePenalty !== undefined && { presencePenalty: request.presencePenalty }),
    ...(request.frequencyPenalty !== undefined && { frequencyPenalty: request.frequencyPenalty }),
    ...responseFormat(request.responseFormat),
    ...(thinking && { thinkingConfig: thinking }),
  };
  return Object.keys(config).length > 0 ? config : undefined;
}

function responseFormat(format: ResponseFormat | undefined): GeminiGenerationConfig {
  switch (format?.type) {
    case undefined:
    case 'text':
      return {};
    case 'json_object':
      return { responseMimeType: 'application/json' };
    case 'json_schema':
      return { responseMimeType: 'application/json', responseJsonSchema: jsonSchemaForGemini(format.schema) };
  }
}

/**
 * Asking for reasoning also asks Gemini to return thought summaries, so clients see them as reasoning. A client's
 * budget is one sized for its own provider (Anthropic's go to 31999 and beyond): it is clamped into the model's range,
 * which Gemini 2.5 enforces with a 400.
 */
function thinkingConfig(reasoning: ReasoningConfig, providerModel: string): GeminiThinkingConfig | undefined {
  if (reasoning.off) return thinkingOff(providerModel);
  const budget = reasoning.budgetTokens ?? (reasoning.effort && BUDGET_BY_EFFORT[reasoning.effort]);
  return { includeThoughts: true, ...(budget !== undefined && { thinkingBudget: clampThinkingBudget(budget, providerModel) }) };
}

/**
 * Gemini 3 and later reject replayed function calls without a thought signature, and give every call an id to be sent
 * back with it (`tool-call-ids.ts`).
 */
function isGemini3(providerModel: string): boolean {
  const major = /(?:^|\/)gemini-(\d+)/.exec(providerModel)?.[1];
  return major !== undefined && Number(major) >= 3;
}
