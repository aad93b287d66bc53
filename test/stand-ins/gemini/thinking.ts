/**
 * Gemini 2.5's check on `generationConfig.thinkingConfig.thinkingBudget`, with its error wording: each 2.5 model takes
 * a budget in its own range, -1 (dynamic) and, where thinking can be turned off, 0. Flash-Lite's message names 512 as
 * the lowest value although 0 is accepted, as Google's does. Gemini 3 takes any budget (backwards compatibility with
 * `thinkingLevel`), and so do models this stand-in does not know.
 * @see https://ai.google.dev/gemini-api/docs/thinking#set-budget
 */

interface Range {
  readonly min: number;
  readonly max: number;
  readonly offAllowed: boolean;
}

const RANGES: readonly (readonly [RegExp, Range])[] = [
  [/^gemini-2\.5-pro(?![a-z])/, { min: 128, max: 32768, offAllowed: false }],
  [/^gemini-2\.5-flash-lite(?![a-z])/, { min: 512, max: 24576, offAllowed: true }],
  [/^gemini-2\.5-flash(?![a-z])/, { min: 0, max: 24576, offAllowed: true }],
];

/** The problem with the request's thinking budget for `model` (without `models/`), as Google words it, or undefined. */
export function checkThinkingBudget(model: string, generationConfig: unknown): string | undefined {
  const thinking = (generationConfig as { thinkingConfig?: { thinkingBudget?: unknown } } | undefined)?.thinkingConfig;
  const budget = thinking?.thinkingBudget;
  if (budget === undefined) return undefined;
  if (typeof budget !== 'number' || !Number.isInteger(budget)) {
    return `Invalid value at 'generation_config.thinking_config.thinking_budget' (TYPE_INT32), ${JSON.stringify(budget)}`;
  }
  const range = RANGES.find(([pattern]) => pattern.test(model))?.[1];
  if (range === undefined || budget === -1 || (budget === 0 && range.offAllowed)) return undefined;
  if (budget >= range.min && budget <= range.max) return undefined;
  return `The thinking budget ${budget} is invalid. Please choose a value between ${range.min} and ${range.max}.`;
}
