import { z } from 'zod';
import type { ToolDefinition } from '../../canonical/request.js';
import { record } from '../forward/output.js';

/**
 * OpenAI's custom tools (`{type: 'custom'}`, "freeform" tools: the model calls them with raw text, not JSON
 * arguments, optionally constrained by a Lark or regex grammar; Codex's `apply_patch` is one) on a translated
 * request. No other provider has them, so each becomes a function tool with one string argument, `input`, whose
 * description carries the tool's grammar; the call the model makes comes back to the client as the
 * `custom_tool_call` item with that string as its `input`, streamed as `response.custom_tool_call_input.delta`
 * events. A grammar cannot be enforced by the target: the model is told it, and follows it as well as it does.
 * @see https://platform.openai.com/docs/guides/function-calling#custom-tools
 */
export const CustomTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1),
  description: z.string().nullish(),
  format: z
    .union([
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('grammar'), syntax: z.enum(['lark', 'regex']), definition: z.string().min(1) }),
    ])
    .nullish(),
});
export type CustomTool = z.infer<typeof CustomTool>;

/** The argument a custom tool's input travels in, to and from the target. */
const INPUT = 'input';

export function customToolDefinition(tool: CustomTool): ToolDefinition {
  const format = tool.format;
  const input =
    format?.type === 'grammar'
      ? `The tool's input, as raw text. It must be valid in this ${format.syntax === 'lark' ? 'Lark grammar' : 'regular expression'}:\n${format.definition}`
      : "The tool's input, as raw text.";
  return {
    name: tool.name,
    ...(tool.description != null && { description: tool.description }),
    parameters: { type: 'object', properties: { [INPUT]: { type: 'string', description: input } }, required: [INPUT], additionalProperties: false },
  };
}

/** A custom tool call's `input` for the target: the arguments of the function call it becomes. */
export function customArguments(input: string): string {
  return JSON.stringify({ [INPUT]: input });
}

/**
 * The custom tool call's input from the arguments the target's model produced (see `CustomInputStream.finish`).
 */
export function customInput(args: string): string {
  const stream = new CustomInputStream();
  stream.push(args);
  return stream.finish().input;
}

/** The `input` string of whole arguments; undefined when they are not a JSON object with one. */
function parsedInput(args: string): string | undefined {
  try {
    const value = record(JSON.parse(args))?.[INPUT];
    if (typeof value === 'string') return value;
  } catch {
    // cut short (the output limit) or not JSON
  }
  return undefined;
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const OPENING = /^\s*\{\s*"input"\s*:\s*"/;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * The input of a custom tool call as its arguments stream in: `push` takes each arguments delta (JSON text of
 * `{"input": "…"}`) and returns the input's text that became known with it, decoded, so the client gets
 * `response.custom_tool_call_input.delta` events as the model writes, not one at the end. A JSON escape split
 * across deltas waits for its end. `finish` gives the whole input and what the deltas have not sent of it yet, so
 * that the deltas always add up to the input, even when the model wrote other arguments first.
 */
export class CustomInputStream {
  private raw = '';
  /** Where the input's next undecoded character is in `raw`; -1 until the opening `{"input":"` is seen. */
  private at = -1;
  private closed = false;
  private sent = '';

  push(delta: string): string {
    this.raw += delta;
    if (this.at < 0) {
      const opening = OPENING.exec(this.raw);
      if (opening === null) return '';
      this.at = opening[0].length;
    }
    if (this.closed) return '';
    const raw = this.raw;
    let out = '';
    let i = this.at;
    while (i < raw.length) {
      const c = raw[i];
      if (c === '"') {
        this.closed = true;
        i++;
        break;
      }
      if (c !== '\\') {
        let j = i + 1;
        while (j < raw.length && raw[j] !== '"' && raw[j] !== '\\') j++;
        // A delta may end between the halves of a character outside the BMP: that half waits for the other.
        if (j === raw.length && isHighSurrogate(raw.charCodeAt(j - 1))) j--;
        if (j === i) break;
        out += raw.slice(i, j);
        i = j;
        continue;
      }
      if (i + 1 >= raw.length) break;
      const e = raw[i + 1]!;
      if (e !== 'u') {
        out += ESCAPES[e] ?? e;
        i += 2;
        continue;
      }
      if (i + 6 > raw.length) break;
      const code = Number.parseInt(raw.slice(i + 2, i + 6), 16);
      // A high surrogate is written out only with its low half, so no delta ends in half a character.
      const high = isHighSurrogate(code);
      if (high && i + 8 > raw.length) break;
      if (high && raw.startsWith('\\u', i + 6)) {
        if (i + 12 > raw.length) break;
        out += String.fromCharCode(code, Number.parseInt(raw.slice(i + 8, i + 12), 16));
        i += 12;
        continue;
      }
      out += String.fromCharCode(code);
      i += 6;
    }
    this.at = i;
    this.sent += out;
    return out;
  }

  /**
   * The whole input: the `input` string of the arguments; when they do not parse (the output limit cut them), what
   * was decoded of it; when the model did not keep to the schema at all, the arguments text itself, so nothing it
   * wrote is lost.
   */
  finish(): { input: string; rest: string } {
    const input = parsedInput(this.raw) ?? (this.at >= 0 ? this.sent : this.raw);
    return { input, rest: input.startsWith(this.sent) ? input.slice(this.sent.length) : '' };
  }
}
