import type { ProviderError } from '../canonical/errors.js';
import { deploymentKey } from './deployment-key.js';
import type { ProviderTarget } from './types.js';

/**
 * Output limits deployments refused: a translated request asks for what its client asked (Claude Code sends
 * `max_tokens: 32000` to whatever model is behind it), and models cap their output below that (GPT-4o at 16,384,
 * Claude 3.5 Haiku at 8,192), or a small local model's whole context is smaller. OpenAI clients pick a limit for the
 * model they name and get the provider's refusal as it is (the fast path forwards what they sent); a translated
 * request is sent again at once with the limit the refusal names, before anything reaches the client, and a
 * deployment's fixed cap is remembered (per data plane, as configured: id, base URL, version), so the next requests
 * go with it from the start.
 */
const caps = new Map<string, number>();

/** `asked`, or the cap learnt for the deployment when that is lower. */
export function cappedOutput(target: ProviderTarget, asked: number): number {
  if (caps.size === 0) return asked;
  const cap = caps.get(deploymentKey(target));
  return cap !== undefined && cap < asked ? cap : asked;
}

/**
 * The model's own output limit, as providers word it: OpenAI, Anthropic (also through Bedrock), Bedrock, Gemini
 * (`the supported range is from 1 (inclusive) to 8193 (exclusive)`: its bound is one above the cap), others.
 */
const FIXED_CAP: readonly (readonly [RegExp, number])[] = [
  [/supports at most (\d+) completion tokens/, 0],
  [/max_tokens: \d+ > (\d+), which is the maximum allowed/, 0],
  [/exceeds the model limit of (\d+)/, 0],
  [/expected a value <= (\d+)/, 0],
  [/maxOutputTokens value of \d+ but the supported range is from \d+ \(inclusive\) to (\d+) \(exclusive\)/, -1],
];

/**
 * The largest output `error` says the deployment takes, when it refused `asked` output tokens for being too many;
 * undefined for any other error. A fixed cap is remembered; room left by a long prompt (vLLM's `your request has N
 * input tokens`, OpenAI's older `(N in the messages, M in the completion)`) holds for this request only.
 */
export function outputCapFrom(target: ProviderTarget, error: Pick<ProviderError, 'status' | 'message'>, asked: number): number | undefined {
  if (error.status !== 400 && error.status !== 413 && error.status !== 416 && error.status !== 422) return undefined;
  const { message } = error;
  for (const [re, offset] of FIXED_CAP) {
    const match = re.exec(message);
    if (!match) continue;
    const cap = Number(match[1]) + offset;
    if (!(cap > 0 && cap < asked)) return undefined;
    caps.set(deploymentKey(target), cap);
    return cap;
  }
  const window = /maximum context length is (\d+) tokens/.exec(message);
  const prompt = /your request has (\d+) input tokens/.exec(message) ?? /\((\d+) in the messages, \d+ in the completion\)/.exec(message);
  if (!window || !prompt) return undefined;
  const room = Number(window[1]) - Number(prompt[1]);
  return room > 0 && room < asked ? room : undefined;
}
