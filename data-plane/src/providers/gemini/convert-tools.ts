import type { ToolChoice, ToolDefinition } from '../../canonical/request.js';
import type { ToolNames } from '../tool-names.js';
import type { GeminiTool, GeminiToolConfig } from './wire.js';

/**
 * Tool definitions → `functionDeclarations`, tool choice → `functionCallingConfig`, each name as Gemini takes it
 * (`geminiToolNames`).
 *
 * Schemas go in `parametersJsonSchema`, which takes JSON Schema as clients write it (`additionalProperties`,
 * `anyOf`, `$ref`/`$defs`, `const`, type arrays…), instead of `parameters`, which takes an OpenAPI 3.0 subset and
 * rejects those keywords: converting to the subset would mean silently dropping constraints the client set. Only
 * `$schema` is removed, as it describes the document rather than the arguments.
 * @see https://ai.google.dev/api/caching#FunctionDeclaration
 */
export function convertTools(tools: readonly ToolDefinition[] | undefined, names: ToolNames): GeminiTool[] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return [
    {
      functionDeclarations: tools.map((tool) => ({
        name: names.toUpstream(tool.name),
        ...(tool.description !== undefined && { description: tool.description }),
        parametersJsonSchema: jsonSchemaForGemini(tool.parameters),
      })),
    },
  ];
}

/** A client's JSON Schema without the `$schema` marker. */
export function jsonSchemaForGemini(schema: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!('$schema' in schema)) return schema;
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/**
 * `auto` → AUTO, `none` → NONE, `required` → ANY, a named tool → ANY restricted to that name.
 * @see https://ai.google.dev/api/caching#FunctionCallingConfig
 */
export function convertToolChoice(choice: ToolChoice | undefined, hasTools: boolean, names: ToolNames): GeminiToolConfig | undefined {
  if (!choice || !hasTools) return undefined;
  switch (choice.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [names.toUpstream(choice.name)] } };
  }
}
