import type { CanonicalRequest, ReasoningConfig } from '../../canonical/request.js';
import type { AnthropicThinkingConfig } from './wire.js';

/**
 * Output-token planning for Anthropic: `max_tokens` is required, and with extended thinking the thinking budget is
 * part of it (`budget_tokens` must be at least 1024 and below `max_tokens`).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
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
}

/**
 * Decides `max_tokens` and `thinking`. With thinking on, a client's token limit that does not exceed the budget is
 * taken as the limit for the visible answer, added on top of the budget (Anthropic would reject it otherwise);
 * without a client limit the answer gets the default on top of the budget.
 */
export function planOutput(input: { maxOutputTokens: number | undefined; reasoning: ReasoningConfig | undefined; model: string; defaultMaxTokens?: number }): OutputPlan {
  const answerDefault = input.defaultMaxTokens ?? defaultMaxTokens(input.model);
  const budget = thinkingBudget(input.reasoning);
  const requested = input.maxOutputTokens !== undefined && input.maxOutputTokens > 0 ? Math.floor(input.maxOutputTokens) : undefined;
  if (budget === undefined) return { maxTokens: requested ?? answerDefault };
  const maxTokens = requested !== undefined && requested > budget ? requested : budget + (requested ?? answerDefault);
  return { maxTokens, thinking: { type: 'enabled', budget_tokens: budget } };
}

/**
 * Whether Claude takes thinking with this request, on Anthropic's API or Bedrock. Not when the tool choice forces a
 * tool ("Thinking may not be enabled when tool_choice forces tool use"), nor when the conversation's last assistant
 * turn called tools without a signed thinking block leading it ("a final assistant message must start with a
 * thinking block"), which every second turn of an OpenAI client's tool loop is: its protocol cannot send signed
 * thinking back. OpenAI takes a reasoning effort in both cases, so such a request goes without thinking rather than
 * failing.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#extended-thinking-with-tool-use
 */
export function thinkingAllowed(request: Pick<CanonicalRequest, 'toolChoice' | 'messages'>): boolean {
  if (request.toolChoice?.type === 'required' || request.toolChoice?.type === 'tool') return false;
  const last = request.messages.findLast((m) => m.role === 'assistant');
  if (last === undefined || !last.content.some((p) => p.type === 'tool-call')) return true;
  const first = last.content[0];
  return first?.type === 'reasoning' && (first.signature !== undefined || first.redactedData !== undefined);
}

/** The thinking budget the request asks for, or undefined for no thinking (a budget of 0 turns it off). */
export function thinkingBudget(reasoning: ReasoningConfig | undefined): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? Math.max(MIN_THINKING_BUDGET, Math.floor(reasoning.budgetTokens)) : undefined;
  }
  return reasoning.effort ? THINKING_BUDGET_BY_EFFORT[reasoning.effort] : undefined;
}
