import { argumentChunks, wordChunks, type ResolvedScript } from '../script.js';

/**
 * Gemini's `generationConfig.stopSequences`: "The API will stop at the first appearance of a stop_sequence. The stop
 * sequence will not be included as part of the response", with finishReason STOP. The script's answer text is cut before
 * the first sequence it holds (and the function calls that would have followed it are never generated); the output
 * count drops by the chunks cut.
 * @see https://ai.google.dev/api/generate-content#generationconfig
 */
export function stoppedAtSequences(script: ResolvedScript, stopSequences: unknown): ResolvedScript {
  const sequences = Array.isArray(stopSequences) ? stopSequences.filter((s): s is string => typeof s === 'string' && s !== '') : [];
  const at = Math.min(...sequences.map((s) => script.text.indexOf(s)).filter((i) => i >= 0));
  if (!Number.isFinite(at)) return script;
  const text = script.text.slice(0, at);
  const textChunks = wordChunks(text);
  const cut = script.textChunks.length - textChunks.length + script.toolCalls.reduce((n, c) => n + argumentChunks(c.arguments).length + 1, 0);
  return { ...script, text, textChunks, toolCalls: [], finish: 'stop', usage: { ...script.usage, outputTokens: Math.max(0, script.usage.outputTokens - cut) } };
}
