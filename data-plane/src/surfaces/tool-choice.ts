import type { ToolChoice } from '../canonical/request.js';
import { errors } from '../http/errors.js';

/** A tool choice that forces a call must leave a function to call, as OpenAI checks: a 400 naming `tool_choice`. */
export function checkToolChoice(choice: ToolChoice | undefined, tools: readonly { readonly name: string }[]): void {
  if (choice?.type === 'required' && tools.length === 0) {
    throw errors.invalidParameter('tool_choice', "a required tool call needs at least one function in 'tools'.");
  }
  if (choice?.type === 'tool' && !tools.some((t) => t.name === choice.name)) {
    throw errors.invalidParameter('tool_choice', `function '${choice.name}' is not in 'tools'.`);
  }
}
