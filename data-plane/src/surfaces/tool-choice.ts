import type { ToolChoice } from '../canonical/request.js';
import { errors } from '../http/errors.js';

/**
 * A tool choice that forces a call must leave a function to call, as OpenAI checks: a 400 naming the parameter
 * (`tool_choice`, or the deprecated `function_call`, whose functions are in `functions`).
 */
export function checkToolChoice(choice: ToolChoice | undefined, tools: readonly { readonly name: string }[], param: 'tool_choice' | 'function_call' = 'tool_choice'): void {
  const list = param === 'tool_choice' ? 'tools' : 'functions';
  if (choice?.type === 'required' && tools.length === 0) {
    throw errors.invalidParameter(param, `a required tool call needs at least one function in '${list}'.`);
  }
  if (choice?.type === 'tool' && !tools.some((t) => t.name === choice.name)) {
    throw errors.invalidParameter(param, `function '${choice.name}' is not in '${list}'.`);
  }
}
