/**
 * Whether an OpenAI model takes `reasoning_effort`, read from its id. Only models that reason do: every other one
 * answers 400 "Unsupported parameter: 'reasoning_effort' is not supported with this model." (gpt-4o, gpt-4.1,
 * gpt-3.5-turbo), which a thinking budget from an Anthropic client (Claude Code sends one) would otherwise cost.
 *
 * - The o-series from `o1` on (`o1`, `o3`, `o3-mini`, `o3-pro`, `o4-mini`…), but not `o1-mini` and `o1-preview`, which
 *   predate the parameter and refuse it.
 * - GPT-5 and every later generation (`gpt-5`, `gpt-5-mini`, `gpt-5.1-codex`, `gpt-6`…), but not their `-chat`
 *   models: `gpt-5-chat-latest` refuses it, and `gpt-5.1-chat-latest` and later take `medium` only, their default, so
 *   leaving it out changes nothing there.
 * - `codex-mini` and the open-weight `gpt-oss` models.
 *
 * Ids are matched wherever the model name sits in them, case aside: dated snapshots (`o3-2025-04-16`,
 * `gpt-4o-2024-08-06`), Azure deployments named after their model (`gpt-5-mini`, `prod-o4-mini`). An id that names
 * none of these (gpt-4o, gpt-4.1, `chatgpt-4o-latest`, an Azure deployment called `chat-prod`) takes none: a
 * reasoning deployment under such a name still reasons, at its default effort, which its `defaultParams` can set
 * (`{"reasoning_effort": "high"}`). Sending it to a model that refuses it fails every request; leaving it out of one
 * that would take it only forgoes a setting.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 * @see https://platform.openai.com/docs/guides/reasoning
 */
export function takesReasoningEffort(model: string): boolean {
  const gpt = GPT.exec(model);
  if (gpt !== null) return Number(gpt[1]) >= 5 && gpt[2] === undefined;
  const o = O_SERIES.exec(model);
  if (o !== null) return !(o[1] === '1' && o[2] !== undefined);
  return OTHER_REASONING.test(model);
}

/** `gpt-<major>[.<minor>]`, then `-chat` if it is a chat model; not `gpt-4o` (a letter after the number). */
const GPT = /(?<![a-z0-9])gpt-(\d+)(?:\.\d+)*(?![a-z0-9.])(-chat(?![a-z0-9]))?/i;
/** `o<n>`, then `-mini`/`-preview` (which `o1` ones predate the parameter); not the `o` of `gpt-4o`, nor `o365`. */
const O_SERIES = /(?<![a-z0-9])o(\d{1,2})(?![a-z0-9])(-(?:mini|preview)(?![a-z0-9]))?/i;
/** Reasoning models named without a version to compare. */
const OTHER_REASONING = /(?<![a-z0-9])(?:codex-mini|gpt-oss)(?![a-z0-9])/i;
