import type { RequestProblem } from './request.js';

/**
 * Anthropic's checks on structured outputs (`output_config.format`, and the beta's `output_format`): a 400 on a model
 * without them (before Claude 4.5), for a format that is not `json_schema`, and for a schema its constrained decoding
 * cannot compile: an object without `additionalProperties: false`, numeric bounds, string lengths and patterns,
 * `minItems` other than 0 or 1, `maxItems`, `uniqueItems`, a string `format` it does not know. Messages as Anthropic
 * words them ("output_format.schema: For 'integer' type, property 'minimum' is not supported", seen in
 * agentjido/req_llm#302; "For 'object' type, 'additionalProperties' must be explicitly set to false", ax-llm/ax#458).
 * @see https://platform.claude.com/docs/en/build-with-claude/structured-outputs
 */
export function outputFormatProblem(body: { readonly model?: unknown; readonly output_config?: unknown; readonly output_format?: unknown }): RequestProblem | undefined {
  const format = record(body.output_config)?.format ?? body.output_format;
  if (format == null) return undefined;
  const where = body.output_format != null && record(body.output_config)?.format == null ? 'output_format' : 'output_config.format';
  const model = String(body.model);
  if (!takesStructuredOutputs(model)) return { message: `'${model}' does not support output format.` };
  const spec = record(format);
  if (spec?.type !== 'json_schema') return { message: `${where}.type: Input should be 'json_schema'` };
  if (record(spec.schema) === undefined) return { message: `${where}.schema: Field required` };
  const problem = schemaProblem(spec.schema);
  return problem === undefined ? undefined : { message: `${where}.schema: ${problem}` };
}

/** Claude 4.5 and later, Mythos and Fable; ids naming no version (the stand-ins' own `m`) are older models. */
function takesStructuredOutputs(model: string): boolean {
  if (/claude-(mythos|fable)/.test(model)) return true;
  const m = /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?/.exec(model);
  return m !== null && Number(m[1]) + Number(m[2] ?? 0) / 10 >= 4.5;
}

const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);
const REFUSED: Readonly<Record<string, readonly string[]>> = {
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  string: ['minLength', 'maxLength', 'pattern'],
  array: ['maxItems', 'uniqueItems'],
};

/** The first thing in a schema (and the schemas inside it) that Anthropic refuses. */
function schemaProblem(node: unknown): string | undefined {
  const schema = record(node);
  if (schema === undefined) return undefined;
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === 'string');
  for (const type of types) {
    if (type === 'object' && schema.additionalProperties !== false) {
      return schema.additionalProperties === undefined
        ? "For 'object' type, 'additionalProperties' must be explicitly set to false"
        : `For 'object' type, 'additionalProperties: ${JSON.stringify(schema.additionalProperties)}' is not supported. Please set 'additionalProperties' to false`;
    }
    const refused = REFUSED[type]?.find((keyword) => keyword in schema);
    if (refused !== undefined) return `For '${type}' type, property '${refused}' is not supported`;
    if (type === 'array' && schema.minItems !== undefined && schema.minItems !== 0 && schema.minItems !== 1) {
      return `For 'array' type, 'minItems' values other than 0 and 1 are not supported`;
    }
    if (type === 'string' && schema.format !== undefined && !FORMATS.has(String(schema.format))) {
      return `For 'string' type, format '${String(schema.format)}' is not supported`;
    }
  }
  const inner = [
    ...Object.values(record(schema.properties) ?? {}),
    schema.items,
    ...[schema.anyOf, schema.oneOf, schema.allOf].flatMap((list) => (Array.isArray(list) ? list : [])),
    ...Object.values(record(schema.$defs) ?? {}),
    ...Object.values(record(schema.definitions) ?? {}),
  ];
  for (const child of inner) {
    const problem = schemaProblem(child);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
