import type { ToolChoice } from '../canonical/request.js';
import { errors, type HttpError } from '../http/errors.js';

/**
 * A tool choice that forces a call must leave a function to call, as OpenAI and Anthropic check: a 400 naming the
 * parameter (`tool_choice`, or the deprecated `function_call`, whose functions are in `functions`), made by `refuse`
 * (the surface's own 400: OpenAI's by default, Anthropic's on its route).
 */
export function checkToolChoice(
  choice: ToolChoice | undefined,
  tools: readonly { readonly name: string }[],
  param: 'tool_choice' | 'function_call' = 'tool_choice',
  refuse: (param: string, detail: string) => HttpError = errors.invalidParameter,
): void {
  const list = param === 'tool_choice' ? 'tools' : 'functions';
  if (choice?.type === 'required' && tools.length === 0) {
    throw refuse(param, `a required tool call needs at least one function in '${list}'.`);
  }
  if (choice?.type === 'tool' && !tools.some((t) => t.name === choice.name)) {
    throw refuse(param, `function '${choice.name}' is not in '${list}'.`);
  }
}
