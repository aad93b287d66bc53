/**
 * What a Claude model accepts, read from its id: Anthropic changed the request rules model by model, so a request an
 * older Claude takes is a 400 on a newer one. The rules are the same on Anthropic's API and on Bedrock (which passes
 * Anthropic's fields to the model), so both adapters read them here.
 *
 * - Opus 4.1 and every 4.5 and later model take `temperature` or `top_p`, not both ("`temperature` and `top_p`
 *   cannot both be specified for this model").
 * - Opus and Sonnet 4.6 take adaptive thinking (`thinking: {type: "adaptive"}` with `output_config.effort`) beside a
 *   budget, which is deprecated there.
 * - Opus 4.7 and later, the Claude 5 models, Mythos and Fable take adaptive thinking only: a budget (`enabled`) or
 *   `disabled` is a 400, and so is any `temperature`, `top_p` or `top_k` ("`temperature` is deprecated for this model").
 * - Every 4.5 and later model, Mythos and Fable take structured outputs (`output_config.format`) on Anthropic's API.
 *
 * Ids are matched wherever the model name sits in them: `claude-opus-4-7`, Bedrock's
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0`, Vertex's `claude-opus-4-6@20260205`. An id that names no version
 * (an application inference profile ARN, a custom name) gets the oldest rules, which every model took until 4.5.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-adaptive-thinking.html
 * @see https://platform.claude.com/docs/en/build-with-claude/effort
 */
export interface ClaudeTraits {
  /**
   * Takes extended thinking at all: Claude 3.7 Sonnet and every later model; Claude 3.5, 3 and older answer a
   * `thinking` field with a 400 ("does not support thinking"), so a client's reasoning effort is left out for them,
   * as for OpenAI models that do not reason.
   */
  readonly thinking: boolean;
  /** Takes `thinking: {type: "adaptive"}` and `output_config.effort`. */
  readonly adaptiveThinking: boolean;
  /** Takes adaptive thinking only: neither a thinking budget nor `thinking: {type: "disabled"}`. */
  readonly adaptiveOnly: boolean;
  /** The sampling parameters it takes: all of them, one of `temperature` and `top_p` (and `top_k`), or none. */
  readonly sampling: 'all' | 'one' | 'none';
  /**
   * Takes structured outputs on Anthropic's API: `output_config.format` with a JSON Schema the answer is decoded to.
   * Haiku 4.5, Sonnet 4.5, Opus 4.5, Sonnet 4.6, Opus 4.6, Opus 4.7 and every later model, Mythos and Fable; the
   * older models (3.x, 4, 4.1) answer it with a 400. Bedrock takes its own field for it, which its adapter does not
   * send, so only the Anthropic adapter reads this.
   * @see https://platform.claude.com/docs/en/build-with-claude/structured-outputs
   */
  readonly structuredOutputs: boolean;
}

const OLDEST: ClaudeTraits = { thinking: true, adaptiveThinking: false, adaptiveOnly: false, sampling: 'all', structuredOutputs: false };
const ADAPTIVE_ONLY: ClaudeTraits = { thinking: true, adaptiveThinking: true, adaptiveOnly: true, sampling: 'none', structuredOutputs: true };
/** Ids of the models before extended thinking: Claude 3 and 3.5 (`claude-3-5-sonnet-…`, `claude-3-haiku-…`), 2, Instant. */
const BEFORE_THINKING = /claude-(?:3-(?!7)|v?2\b|2[-.]|instant)/i;

/** `claude-<family>-<major>[-<minor>]`; a minor is one digit, so `claude-opus-4-20250514` is 4.0, not 4.2. */
const VERSIONED = /claude-(opus|sonnet|haiku)-(\d+)(?:[-.](\d)(?!\d))?/i;
/** Models named without a version number, each adaptive-only from its first release. */
const NAMED = /claude-(mythos|fable)\b/i;

export function claudeTraits(model: string): ClaudeTraits {
  if (NAMED.test(model)) return ADAPTIVE_ONLY;
  const match = VERSIONED.exec(model);
  // `claude-3-7-sonnet-…` and other ids with the version first are all older than these rules.
  if (match === null) return BEFORE_THINKING.test(model) ? { ...OLDEST, thinking: false } : OLDEST;
  const family = match[1]!.toLowerCase();
  const version = Number(match[2]) + Number(match[3] ?? 0) / 10;
  if (version >= 4.7) return ADAPTIVE_ONLY;
  return {
    thinking: true,
    adaptiveThinking: version >= 4.6,
    adaptiveOnly: false,
    sampling: version >= 4.5 || (family === 'opus' && version >= 4.1) ? 'one' : 'all',
    structuredOutputs: version >= 4.5,
  };
}
