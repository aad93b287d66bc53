import type { GeminiThinkingConfig } from './wire.js';

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
 * documented range: its budgets go out as they are, as do those of models this file does not know. What turns
 * thinking off, or as far down as the model goes, is `thinkingOff`'s.
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

/**
 * The least thinking `providerModel` can be asked for, for a client that turned thinking off: Gemini 2.5 and later
 * think unless told not to, and the thinking is billed as output.
 *
 * - 2.5 Flash and Flash-Lite: a budget of 0, which turns thinking off.
 * - 2.5 Pro cannot stop thinking (0 is a 400): its smallest budget, 128.
 * - Gemini 3 and later cannot stop either; they take `thinkingLevel` (2.5 answers it with 400 "Thinking level is not
 *   supported for this model."). The Flash models' lowest is `MINIMAL` ("matches the no thinking setting for most
 *   queries"); the Pro models' is `LOW` ("Thinking level MINIMAL is not supported for this model.").
 * - Models before 2.5 do not think: nothing to send. A model this file does not know gets 512, a budget every 2.5
 *   model takes (and Gemini 3 takes budgets too).
 * @see https://ai.google.dev/gemini-api/docs/thinking#thinking-levels
 */
export function thinkingOff(providerModel: string): GeminiThinkingConfig | undefined {
  const named = /(?:^|\/)gemini-(\d+(?:\.\d+)?)(?:-([a-z]+))?/.exec(providerModel);
  const version = named === null ? undefined : Number(named[1]);
  if (version !== undefined && version < 2.5) return undefined;
  if (version !== undefined && version >= 3) return { thinkingLevel: named![2] === 'flash' ? 'MINIMAL' : 'LOW' };
  const range = thinkingBudgetRange(providerModel);
  // Flash-Lite's floor is the highest of the 2.5 floors.
  if (range === undefined) return { thinkingBudget: FLASH_LITE.min };
  return { thinkingBudget: range.canTurnOff ? 0 : range.min };
}
