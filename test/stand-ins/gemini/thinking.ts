/**
 * Gemini's checks on `generationConfig.thinkingConfig`, with its error wording. Gemini 2.5 takes a budget in each
 * model's own range, -1 (dynamic) and, where thinking can be turned off, 0. Flash-Lite's message names 512 as the
 * lowest value although 0 is accepted, as Google's does. Gemini 3 takes any budget (backwards compatibility with
 * `thinkingLevel`), and so do models this stand-in does not know. `thinkingLevel` is Gemini 3's only: 2.5 refuses it,
 * the Pro models have no `minimal` (3 Pro no `medium` either), and a budget and a level together are refused.
 * @see https://ai.google.dev/gemini-api/docs/thinking#set-budget
 * @see https://ai.google.dev/gemini-api/docs/thinking#thinking-levels
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

/**
 * `maxOutputTokens` above what `model` writes, as Google words it (Gemini 1.5 and 2.0 and Gemma write at most 8,192
 * tokens, 2.5 and later 65,536), or undefined.
 */
export function checkOutputTokens(model: string, generationConfig: unknown): string | undefined {
  const asked = (generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens;
  if (typeof asked !== 'number') return undefined;
  const cap = /^(gemini-(1\.5|2\.0)|gemma)/.test(model) ? 8_192 : 65_536;
  if (asked >= 1 && asked <= cap) return undefined;
  return `Unable to submit request because it has a maxOutputTokens value of ${asked} but the supported range is from 1 (inclusive) to ${cap + 1} (exclusive). Update the value and try again.`;
}

/** The problem with the request's thinking config for `model` (without `models/`), as Google words it, or undefined. */
export function checkThinkingConfig(model: string, generationConfig: unknown): string | undefined {
  const thinking = (generationConfig as { thinkingConfig?: { thinkingBudget?: unknown; thinkingLevel?: unknown } } | undefined)?.thinkingConfig;
  const level = thinking?.thinkingLevel;
  if (level !== undefined) return checkThinkingLevel(model, level, thinking?.thinkingBudget !== undefined);
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

function checkThinkingLevel(model: string, level: unknown, withBudget: boolean): string | undefined {
  if (withBudget) return 'You can only set only one of thinking budget and thinking level.';
  const version = /^gemini-(\d+(?:\.\d+)?)/.exec(model)?.[1];
  if (version !== undefined && Number(version) < 3) return 'Thinking level is not supported for this model.';
  const name = String(level).toUpperCase();
  const refused = (/^gemini-[\d.]+-pro/.test(model) && name === 'MINIMAL') || (/^gemini-3-pro(?![a-z0-9.])/.test(model) && name === 'MEDIUM');
  return refused ? `Thinking level ${name} is not supported for this model.` : undefined;
}
