/**
 * Gemini 2.5's thinking-budget ranges, and a budget brought into them. Gemini 2.5 refuses a budget outside the
 * model's range with 400 INVALID_ARGUMENT ("The thinking budget 31999 is invalid. Please choose a value between 0 and
 * 24576."), while clients size budgets for other providers: Claude Code sends Anthropic's `budget_tokens: 31999`.
 * A budget out of range is a wish for as much (or as little) thinking as the model allows, so it is clamped rather
 * than refused.
 *
 * - 2.5 Pro: 128–32768; thinking cannot be turned off.
 * - 2.5 Flash: 0–24576; 0 turns thinking off.
 * - 2.5 Flash-Lite: 512–24576; 0 turns thinking off (it is also the model's default).
 * - Every 2.5 model takes -1: dynamic thinking, the model decides.
 *
 * Gemini 3 steers thinking with `thinkingLevel` and takes `thinkingBudget` only for backwards compatibility, with no
 * documented range: its budgets go out as they are, as do those of models this file does not know.
 * @see https://ai.google.dev/gemini-api/docs/thinking#set-budget
 */

export interface ThinkingBudgetRange {
  readonly min: number;
  readonly max: number;
  /** Whether a budget of 0 turns thinking off (it is valid below `min`). */
  readonly canTurnOff: boolean;
}

/** `thinkingBudget: -1`: the model decides how much to think. */
export const DYNAMIC_THINKING_BUDGET = -1;

const PRO: ThinkingBudgetRange = { min: 128, max: 32768, canTurnOff: false };
const FLASH: ThinkingBudgetRange = { min: 0, max: 24576, canTurnOff: true };
const FLASH_LITE: ThinkingBudgetRange = { min: 512, max: 24576, canTurnOff: true };

/** The range of a Gemini 2.5 model (with or without the `models/` prefix, any version suffix), else undefined. */
export function thinkingBudgetRange(providerModel: string): ThinkingBudgetRange | undefined {
  const family = /(?:^|\/)gemini-2\.5-(pro|flash-lite|flash)(?![a-z])/.exec(providerModel)?.[1];
  switch (family) {
    case 'pro':
      return PRO;
    case 'flash-lite':
      return FLASH_LITE;
    case 'flash':
      return FLASH;
    default:
      return undefined;
  }
}

/** The budget inside the model's range: -1 and (where it turns thinking off) 0 kept, anything else clamped. */
export function clampThinkingBudget(budget: number, providerModel: string): number {
  const range = thinkingBudgetRange(providerModel);
  if (range === undefined || budget === DYNAMIC_THINKING_BUDGET) return budget;
  if (budget === 0 && range.canTurnOff) return 0;
  return Math.min(range.max, Math.max(range.min, Math.round(budget)));
}
