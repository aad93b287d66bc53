import type { CanonicalRequest } from '../../canonical/request.js';
// Claude on Bedrock takes Anthropic's thinking and sampling parameters: one set of rules for both adapters.
import { claudeTraits } from '../anthropic/claude-traits.js';
import { planOutput, planSampling, thinkingAllowed, thinksAdaptively } from '../anthropic/thinking.js';
import { bedrockAnthropicBetas } from './anthropic-beta.js';
import { SAMPLING_RANGE } from './model-traits.js';
import type { InferenceConfig } from './wire.js';

/**
 * Model-specific request fields Converse does not model itself and that go in `additionalModelRequestFields`.
 * Only Anthropic's are mapped: thinking (`thinking.budget_tokens`, or adaptive thinking with `output_config.effort`),
 * `top_k` and the beta flags (`anthropic_beta`, see anthropic-beta.ts). Bedrock forwards them to the model, so they
 * follow Anthropic's rules, model by model, as the Anthropic adapter does (`../anthropic/thinking.ts`): a budget of at
 * least 1024 tokens, below `maxTokens`; temperature within 0–1; while thinking no temperature or top_k and
 * top_p ≥ 0.95; on the newest models adaptive thinking only and no sampling parameters. Every other model's temperature
 * and top_p are clamped to Converse's range, 0–1 (`SAMPLING_RANGE`).
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
  // Claude's output and thinking (a budget, or adaptive thinking with an effort) and sampling follow the same rules
  // as on Anthropic's API (`planOutput`): a client limit is `maxTokens` as it is, with the budget fitted under it or no
  // thinking; without one, a thinking request's answer gets the default on top of the budget.
  const traits = claudeTraits(modelId);
  const plan = anthropic && traits.thinking && thinkingAllowed(request, thinksAdaptively(request.reasoning, traits)) ? planOutput({ maxOutputTokens: requested, reasoning: request.reasoning, model: modelId, traits, defaultMaxTokens: DEFAULT_ANSWER_TOKENS }) : undefined;
  const thinking = plan?.thinking;
  const maxTokens = thinking === undefined ? requested : plan!.maxTokens;
  // Converse takes temperature and top_p within 0–1 for every model (`SAMPLING_RANGE`): Claude's are clamped by
  // Anthropic's rules, the others' here.
  const sampling = anthropic ? planSampling(request, traits, thinking !== undefined) : { temperature: inRange(request.temperature), topP: inRange(request.topP) };
  const stop = request.stop?.filter((s) => s.trim() !== '');
  const inferenceConfig: InferenceConfig = {
    ...(maxTokens !== undefined && { maxTokens }),
    ...(sampling.temperature !== undefined && { temperature: sampling.temperature }),
    ...(sampling.topP !== undefined && { topP: sampling.topP }),
    ...(stop !== undefined && stop.length > 0 && { stopSequences: stop }),
  };
  const betas = anthropic ? bedrockAnthropicBetas(request, modelId) : [];
  const fields: Record<string, unknown> = {
    ...(thinking && { thinking }),
    ...(plan?.effort && { output_config: { effort: plan.effort } }),
    ...(anthropic && sampling.topK !== undefined && { top_k: sampling.topK }),
    ...(betas.length > 0 && { anthropic_beta: betas }),
  };
  return { inferenceConfig, ...(Object.keys(fields).length > 0 && { additionalModelRequestFields: fields }) };
}

function inRange(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.min(SAMPLING_RANGE.max, Math.max(SAMPLING_RANGE.min, value));
}
