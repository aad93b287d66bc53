import type { CanonicalRequest, ReasoningConfig } from '../../canonical/request.js';
import type { ClaudeTraits } from './claude-traits.js';
import type { AnthropicEffort, AnthropicThinkingConfig } from './wire.js';

/**
 * Output-token and thinking planning for Claude (Anthropic's API and Bedrock): `max_tokens` is required, and with
 * extended thinking the thinking budget is part of it (`budget_tokens` must be at least 1024 and below `max_tokens`);
 * newer models think adaptively instead (`claude-traits.ts`).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 * @see https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking
 */

export const MIN_THINKING_BUDGET = 1024;

/** Thinking budgets for OpenAI-style `reasoning_effort`, when the client gave an effort but no budget. */
export const THINKING_BUDGET_BY_EFFORT: Readonly<Record<NonNullable<ReasoningConfig['effort']>, number>> = {
  minimal: MIN_THINKING_BUDGET,
  low: 2_048,
  medium: 8_192,
  high: 16_384,
};

/**
 * `max_tokens` when the client gave none. The Claude 3 (not 3.5+) models cap output at 4096; every later model
 * allows at least 8192, which keeps an unbounded OpenAI-style request from being cut at 4096 tokens.
 */
export function defaultMaxTokens(model: string): number {
  return /claude-3-(haiku|opus|sonnet)-/.test(model) ? 4_096 : 8_192;
}

export interface OutputPlan {
  readonly maxTokens: number;
  readonly thinking?: AnthropicThinkingConfig;
  /** `output_config.effort`, sent with adaptive thinking. */
  readonly effort?: AnthropicEffort;
}

/**
 * Decides `max_tokens`, `thinking` and the effort for a model with `traits`. `defaultMaxTokens` is the answer's room
 * when the client gave no token limit (the model's default, `defaultMaxTokens(model)`, unless given).
 *
 * The client's limit is the whole output's, thinking included, and is never raised: OpenAI's `max_completion_tokens`
 * and `max_output_tokens` bound reasoning and answer together, and Anthropic's `max_tokens` is a hard limit that the
 * thinking budget lies within. So with a limit, `max_tokens` is the limit and a budget is fitted under it
 * (`fitBudget`); a limit too small to hold the smallest budget and some answer goes without thinking. Without a
 * limit the answer gets the default on top of the budget.
 *
 * Adaptive thinking (the model decides how much to think, guided by the effort) where the model takes only that, and
 * on the models that take both when the client gave an effort rather than a budget (Anthropic recommends it there; a
 * budget is deprecated). A budget becomes the effort whose own budget it reaches. Adaptive thinking has no smallest
 * budget (at a low effort Claude may not think at all), so any limit goes as `max_tokens`, which thinking tokens
 * "count toward alongside the response text"; without one, the answer's default gets the effort's budget on top, as
 * a budget would.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_completion_tokens
 * @see https://platform.claude.com/docs/en/build-with-claude/thinking
 */
export function planOutput(input: { maxOutputTokens: number | undefined; reasoning: ReasoningConfig | undefined; model: string; traits: ClaudeTraits; defaultMaxTokens?: number }): OutputPlan {
  const answerDefault = input.defaultMaxTokens ?? defaultMaxTokens(input.model);
  const budget = thinkingBudget(input.reasoning);
  const limit = input.maxOutputTokens !== undefined && input.maxOutputTokens > 0 ? Math.floor(input.maxOutputTokens) : undefined;
  if (budget === undefined) return { maxTokens: limit ?? answerDefault };
  if (thinksAdaptively(input.reasoning, input.traits)) {
    const effort = input.reasoning?.effort ?? effortForBudget(budget);
    return { maxTokens: limit ?? answerDefault + THINKING_BUDGET_BY_EFFORT[effort], thinking: { type: 'adaptive' }, effort: ANTHROPIC_EFFORT[effort] };
  }
  if (limit === undefined) return { maxTokens: budget + answerDefault, thinking: { type: 'enabled', budget_tokens: budget } };
  const fitted = fitBudget(budget, limit, input.reasoning?.budgetTokens !== undefined);
  return { maxTokens: limit, ...(fitted !== undefined && { thinking: { type: 'enabled', budget_tokens: fitted } }) };
}

/**
 * The share of a client's output limit a thinking budget the gateway chose may take: the answer keeps at least a
 * quarter of it. The smallest limit that still thinks is then 1366 (a budget of 1024, 342 tokens of answer).
 */
const MAX_THINKING_SHARE = 0.75;

/**
 * `budget` fitted under the client's output limit, or undefined when no budget fits. A budget the client gave below
 * its limit is its own split of the limit and stays, as Anthropic takes it (Claude Code sends `budget_tokens: 31999`
 * with `max_tokens: 32000`). Any other (from an effort, from adaptive thinking on a model that takes budgets only) is
 * cut to `MAX_THINKING_SHARE` of the limit; below Anthropic's smallest budget there is no thinking.
 */
function fitBudget(budget: number, limit: number, clientBudget: boolean): number | undefined {
  if (clientBudget && budget < limit) return budget;
  const fitted = Math.min(budget, Math.floor(limit * MAX_THINKING_SHARE));
  return fitted >= MIN_THINKING_BUDGET ? fitted : undefined;
}

/**
 * Whether Claude thinks adaptively for `reasoning` (see `planOutput`): on a model that takes adaptive thinking only,
 * and on one that takes both unless the client gave a budget.
 */
export function thinksAdaptively(reasoning: ReasoningConfig | undefined, traits: ClaudeTraits): boolean {
  return traits.adaptiveOnly || (traits.adaptiveThinking && reasoning?.budgetTokens === undefined);
}

/** Anthropic's effort for each canonical one: Anthropic's lowest is `low`. */
const ANTHROPIC_EFFORT: Readonly<Record<NonNullable<ReasoningConfig['effort']>, AnthropicEffort>> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
};

/** The lowest effort whose budget (`THINKING_BUDGET_BY_EFFORT`) covers `budget`; `high` above them all. */
function effortForBudget(budget: number): NonNullable<ReasoningConfig['effort']> {
  if (budget <= THINKING_BUDGET_BY_EFFORT.low) return 'low';
  return budget <= THINKING_BUDGET_BY_EFFORT.medium ? 'medium' : 'high';
}

/** The sampling parameters a request gives a Claude model, as Anthropic's rules allow them (see `planSampling`). */
export interface SamplingPlan {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
}

/**
 * Which of the client's sampling parameters go to a Claude model, and how. Temperature is clamped to Claude's 0–1
 * (OpenAI clients send up to 2). With thinking on, only a `top_p` of at least 0.95 is allowed: temperature and
 * `top_k` are dropped and `top_p` raised. A model that takes one of `temperature` and `top_p` keeps the temperature
 * when both come. A model that takes none gets none: Anthropic answers any with a 400, so a client's
 * preference is dropped rather than failing the request, as OpenAI's reasoning models are served.
 */
export function planSampling(request: Pick<CanonicalRequest, 'temperature' | 'topP' | 'topK'>, traits: ClaudeTraits, thinking: boolean): SamplingPlan {
  if (traits.sampling === 'none') return {};
  if (thinking) return request.topP === undefined ? {} : { topP: Math.max(0.95, request.topP) };
  const temperature = request.temperature === undefined ? undefined : Math.min(1, Math.max(0, request.temperature));
  const topP = temperature !== undefined && traits.sampling === 'one' ? undefined : request.topP;
  return {
    ...(temperature !== undefined && { temperature }),
    ...(topP !== undefined && { topP }),
    ...(request.topK !== undefined && { topK: request.topK }),
  };
}

/**
 * Whether Claude takes thinking with this request, on Anthropic's API or Bedrock. Not when the tool choice forces a
 * tool ("Thinking may not be enabled when tool_choice forces tool use"). Nor, with a thinking budget (manual
 * thinking), when the conversation's last assistant turn called tools without a signed thinking block leading it ("a
 * final assistant message must start with a thinking block"), which every second turn of an OpenAI client's tool loop
 * is: its protocol cannot send signed thinking back. Adaptive thinking (`adaptive`) has no such rule ("Adaptive mode
 * relaxes this: no assistant turn needs to start with one"), so there the loop keeps thinking. OpenAI takes a reasoning
 * effort in every case, so a request Claude would refuse goes without thinking rather than failing.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#extended-thinking-with-tool-use
 * @see https://platform.claude.com/docs/en/build-with-claude/thinking
 */
export function thinkingAllowed(request: Pick<CanonicalRequest, 'toolChoice' | 'messages'>, adaptive = false): boolean {
  if (request.toolChoice?.type === 'required' || request.toolChoice?.type === 'tool') return false;
  if (adaptive) return true;
  const last = request.messages.findLast((m) => m.role === 'assistant');
  if (last === undefined || !last.content.some((p) => p.type === 'tool-call')) return true;
  const first = last.content[0];
  return first?.type === 'reasoning' && (first.signature !== undefined || first.redactedData !== undefined);
}

/**
 * The thinking budget the request asks for, or undefined for no thinking: reasoning turned off (with whatever effort
 * came beside it: an Anthropic client's `output_config.effort` with `thinking: {type: "disabled"}`), or a budget of 0.
 */
export function thinkingBudget(reasoning: ReasoningConfig | undefined): number | undefined {
  if (!reasoning || reasoning.off) return undefined;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? Math.max(MIN_THINKING_BUDGET, Math.floor(reasoning.budgetTokens)) : undefined;
  }
  return reasoning.effort ? THINKING_BUDGET_BY_EFFORT[reasoning.effort] : undefined;
}
