import type { CanonicalRequest, ContentPart } from '../../canonical/request.js';
import type { ClaudeTraits } from './claude-traits.js';

/**
 * Structured outputs on Anthropic's API: `output_config.format` `{type: "json_schema", schema}` has Claude decode its
 * answer to the schema, so the text it returns is JSON that follows it. Anthropic compiles the schema into a grammar
 * and takes only what it can compile:
 *
 * - every object has `additionalProperties: false`;
 * - no recursion (a `$ref` to `#`, or `$defs` that reach themselves) and no `$ref` outside the schema's own `$defs`;
 * - no numeric bounds (`minimum`, `maximum`, `multipleOf`, …), string lengths or `pattern`, `minItems` other than 0
 *   or 1, `maxItems`, and string `format`s other than those in `STRING_FORMATS`; `oneOf` is taken as `anyOf`.
 *
 * A schema that breaks a rule is a 400 the client never caused, so `anthropicSchema` rewrites a schema to the rules
 * the way Anthropic's own SDK does: each object closed, and each constraint Anthropic refuses taken out of the schema
 * and written into the `description` of the schema that had it, where the model still reads it (decoding no longer
 * enforces it). What cannot be rewritten without changing what the schema means (recursion, an open map, a schema
 * with no type) makes it undefined, and the request keeps the prompt instruction instead.
 * @see https://platform.claude.com/docs/en/build-with-claude/structured-outputs
 */

/** Anthropic's `output_config.format`. */
export interface AnthropicOutputFormat {
  readonly type: 'json_schema';
  readonly schema: Readonly<Record<string, unknown>>;
}

/**
 * The `output_config.format` for a request, or undefined when the request asks for JSON by prompt alone. Only a
 * strict `json_schema` (OpenAI's `strict: true`, whose schemas already close every object and require every
 * property) is decoded natively: a loose schema may hold what Anthropic refuses and the client would get a 400 for a
 * request OpenAI takes. Nor with a final assistant turn (a prefill) or documents with citations, which Anthropic
 * does not combine with structured outputs, nor on a model without them (`ClaudeTraits.structuredOutputs`).
 */
export function nativeOutputFormat(
  request: Pick<CanonicalRequest, 'responseFormat' | 'messages'>,
  traits: ClaudeTraits,
  prefilled: boolean,
): AnthropicOutputFormat | undefined {
  const format = request.responseFormat;
  if (format?.type !== 'json_schema' || format.strict !== true || !traits.structuredOutputs) return undefined;
  if (prefilled || citesDocuments(request)) return undefined;
  const schema = anthropicSchema(format.schema);
  return schema && { type: 'json_schema', schema };
}

/** Whether a document asks for citations, in a message or in a tool result. */
function citesDocuments(request: Pick<CanonicalRequest, 'messages'>): boolean {
  const cites = (part: ContentPart) => part.type === 'file' && part.citations === true;
  return request.messages.some((m) => m.content.some((part) => cites(part) || (part.type === 'tool-result' && part.content.some(cites))));
}

/** The string formats Anthropic's decoding knows; any other is a 400. */
const STRING_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
/** Keywords that name or comment on a schema and constrain nothing: left out rather than written into a description. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment']);
/** Where a schema keeps definitions for `$ref`; only the root's are reachable by the references taken here. */
const DEFINITIONS = ['$defs', 'definitions'] as const;
const ROOT = '#';

/** Thrown inside the rewrite for a schema Anthropic cannot take as it means; `anthropicSchema` answers undefined. */
class NotNative extends Error {}

/**
 * `schema` rewritten to Anthropic's rules for `output_config.format` (see the top of this file), or undefined when
 * it cannot be without changing what it asks for. The client's schema is not changed.
 */
export function anthropicSchema(schema: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  try {
    // References found in each part: the root's own, and each definition's (keyed `$defs/<name>`), to find cycles.
    const references = new Map<string, Set<string>>();
    const rootRefs = new Set<string>();
    references.set(ROOT, rootRefs);
    const body: Record<string, unknown> = { ...schema };
    const definitions: Record<string, Record<string, unknown>> = {};
    for (const keyword of DEFINITIONS) {
      const defs = body[keyword];
      if (defs === undefined) continue;
      delete body[keyword];
      if (!isRecord(defs)) throw new NotNative();
      const out: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(defs)) {
        const refs = new Set<string>();
        references.set(`${keyword}/${name}`, refs);
        out[name] = rewrite(def, refs);
      }
      definitions[keyword] = out;
    }
    const root = rewrite(body, rootRefs);
    if (recursive(references)) return undefined;
    return { ...root, ...definitions };
  } catch (err) {
    if (err instanceof NotNative) return undefined;
    throw err;
  }
}

/** One schema rewritten; the references it makes are added to `refs`. */
function rewrite(node: unknown, refs: Set<string>): Record<string, unknown> {
  // Boolean schemas (`true`, `false`) and anything else that is not an object have no type to decode to.
  if (!isRecord(node)) throw new NotNative();
  const rest: Record<string, unknown> = { ...node };
  const take = (keyword: string): unknown => {
    const value = rest[keyword];
    delete rest[keyword];
    return value;
  };
  for (const keyword of ANNOTATIONS) take(keyword);
  if (DEFINITIONS.some((keyword) => keyword in rest)) throw new NotNative();

  const ref = take('$ref');
  if (ref !== undefined) {
    refs.add(referenced(ref));
    // A reference stands for its definition: what sits beside it is left out, as Anthropic's SDK leaves it.
    return { $ref: ref };
  }

  const out: Record<string, unknown> = {};
  const enumValues = rest.enum;
  if (Array.isArray(enumValues) && enumValues.length > 0 && enumValues.every(isPrimitive)) out.enum = take('enum');
  if (rest.const !== undefined && isPrimitive(rest.const)) out.const = take('const');
  // A literal says all the type would (and the keywords of its type are left to the description); an enum of objects
  // or arrays stays in the description, and the type decides.
  const literal = 'enum' in out || 'const' in out;
  const declared = take('type');
  const types = declared === undefined ? [] : typeNames(declared);
  if (!literal && declared !== undefined) out.type = declared;
  const typed = (name: string) => !literal && types.includes(name);

  const anyOf = take('anyOf');
  const oneOf = take('oneOf');
  const allOf = take('allOf');
  // Both would mean a value matches one of each, which no single `anyOf` says.
  if (anyOf !== undefined && oneOf !== undefined) throw new NotNative();
  // `oneOf` is decoded as `anyOf` (exactly one cannot be enforced token by token), as Anthropic documents.
  const union = anyOf ?? oneOf;
  if (union !== undefined) out.anyOf = schemas(union, refs);
  if (allOf !== undefined) {
    const parts = schemas(allOf, refs);
    // Anthropic takes `allOf` only without references in it.
    if (parts.some((part) => '$ref' in part)) throw new NotNative();
    out.allOf = parts;
  }
  if (!literal && declared === undefined && union === undefined && allOf === undefined) throw new NotNative();

  const description = take('description');
  if (description !== undefined) out.description = description;
  const title = take('title');
  if (title !== undefined) out.title = title;

  if (typed('object')) {
    const properties = take('properties') ?? {};
    if (!isRecord(properties)) throw new NotNative();
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, rewrite(property, refs)]));
    // Closing an object that declared more keys (`true`, or a schema for a map's values) would forbid what it allows.
    const additional = take('additionalProperties');
    if (additional !== undefined && additional !== false) throw new NotNative();
    out.additionalProperties = false;
    const required = take('required');
    if (required !== undefined) out.required = required;
  }
  if (typed('string') && typeof rest.format === 'string' && STRING_FORMATS.has(rest.format)) out.format = take('format');
  if (typed('array')) {
    const items = take('items');
    // An array of schemas is a tuple (draft 4's `items`), which Anthropic does not decode.
    if (items !== undefined) out.items = rewrite(items, refs);
    if (rest.minItems === 0 || rest.minItems === 1) out.minItems = take('minItems');
  }

  const refused = Object.keys(rest);
  if (refused.length > 0) {
    const constraints = `JSON Schema constraints: ${JSON.stringify(rest)}`;
    out.description = typeof out.description === 'string' && out.description !== '' ? `${out.description}\n\n${constraints}` : constraints;
  }
  return out;
}

function schemas(value: unknown, refs: Set<string>): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0) throw new NotNative();
  return value.map((entry) => rewrite(entry, refs));
}

function typeNames(type: unknown): string[] {
  const names = Array.isArray(type) ? type : [type];
  if (names.length === 0 || !names.every((name) => typeof name === 'string' && TYPES.has(name))) throw new NotNative();
  return names as string[];
}

/**
 * The part of the schema a `$ref` names: the root (`#`) or a root definition (`#/$defs/<name>`,
 * `#/definitions/<name>`, JSON Pointer escapes decoded). Anything else (another document, a pointer into a property)
 * is not taken.
 */
function referenced(ref: unknown): string {
  if (ref === ROOT) return ROOT;
  const match = typeof ref === 'string' ? /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref) : null;
  if (match === null) throw new NotNative();
  let name: string;
  try {
    name = decodeURIComponent(match[2]!);
  } catch {
    throw new NotNative();
  }
  return `${match[1]}/${name.replaceAll('~1', '/').replaceAll('~0', '~')}`;
}

/** Whether a part of the schema reaches itself through references (or names a definition that does not exist). */
function recursive(references: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  const done = new Set<string>();
  const visit = (node: string, path: Set<string>): boolean => {
    if (path.has(node)) return true;
    if (done.has(node)) return false;
    const refs = references.get(node);
    if (refs === undefined) throw new NotNative();
    path.add(node);
    for (const next of refs) if (visit(next, path)) return true;
    path.delete(node);
    done.add(node);
    return false;
  };
  return [...references.keys()].some((node) => visit(node, new Set()));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}
