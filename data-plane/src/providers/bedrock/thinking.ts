import type { CanonicalRequest } from '../../canonical/request.js';
// Claude on Bedrock takes Anthropic's thinking parameters: one budget rule for both adapters.
import { thinkingAllowed, thinkingBudget } from '../anthropic/thinking.js';
import { bedrockAnthropicBetas } from './anthropic-beta.js';
import type { InferenceConfig } from './wire.js';

/**
 * Model-specific request fields Converse does not model itself and that go in `additionalModelRequestFields`.
 * Only Anthropic's are mapped: extended thinking (`thinking.budget_tokens`), `top_k` and the beta flags
 * (`anthropic_beta`, see anthropic-beta.ts). Bedrock forwards them to
 * the model, so they follow Anthropic's rules (the same as the Anthropic adapter's): a budget of at least 1024
 * tokens, below `maxTokens`; temperature within 0–1; while thinking no temperature or top_k and top_p ≥ 0.95.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html (additionalModelRequestFields)
 */

/** Answer tokens on top of the thinking budget when the client set no limit. */
export const DEFAULT_ANSWER_TOKENS = 8_192;

/**
 * Whether a Bedrock model id is an Anthropic model: `anthropic.claude-…`, inference profiles `us.anthropic.…`,
 * `global.anthropic.…`, and ARNs naming them. Application inference profile ARNs (`…:application-inference-profile/
 * abc123`) do not say which model they wrap; they get no Anthropic-specific fields.
 */
export function isAnthropicModel(modelId: string): boolean {
  return /anthropic|claude/i.test(modelId);
}

export interface ModelFieldsPlan {
  readonly inferenceConfig: InferenceConfig;
  readonly additionalModelRequestFields?: Record<string, unknown>;
}

/** Decides `inferenceConfig` and the model-specific fields for a request. */
export function planModelFields(request: CanonicalRequest, modelId: string): ModelFieldsPlan {
  const anthropic = isAnthropicModel(modelId);
  const requested = request.maxOutputTokens !== undefined && request.maxOutputTokens > 0 ? Math.floor(request.maxOutputTokens) : undefined;
  const budget = anthropic && thinkingAllowed(request) ? thinkingBudget(request.reasoning) : undefined;
  const thinking = budget !== undefined;
  // Claude takes temperatures in 0–1 (OpenAI clients send up to 2); alongside thinking it takes no temperature or
  // top_k and only top_p ≥ 0.95.
  const temperature = request.temperature === undefined || thinking ? undefined : anthropic ? Math.min(1, Math.max(0, request.temperature)) : request.temperature;
  const topP = request.topP === undefined ? undefined : thinking ? Math.max(0.95, request.topP) : request.topP;
  // A client limit at or below the budget is taken as the limit of the visible answer, on top of the budget
  // (Anthropic rejects max_tokens <= budget_tokens); no client limit gives the answer the default.
  const maxTokens = !thinking ? requested : requested !== undefined && requested > budget ? requested : budget + (requested ?? DEFAULT_ANSWER_TOKENS);
  const stop = request.stop?.filter((s) => s.trim() !== '');
  const inferenceConfig: InferenceConfig = {
    ...(maxTokens !== undefined && { maxTokens }),
    ...(temperature !== undefined && { temperature }),
    ...(topP !== undefined && { topP }),
    ...(stop !== undefined && stop.length > 0 && { stopSequences: stop }),
  };
  const betas = anthropic ? bedrockAnthropicBetas(request, modelId) : [];
  const fields: Record<string, unknown> = {
    ...(thinking && { thinking: { type: 'enabled', budget_tokens: budget } }),
    ...(anthropic && !thinking && request.topK !== undefined && { top_k: request.topK }),
    ...(betas.length > 0 && { anthropic_beta: betas }),
  };
  return { inferenceConfig, ...(Object.keys(fields).length > 0 && { additionalModelRequestFields: fields }) };
}
