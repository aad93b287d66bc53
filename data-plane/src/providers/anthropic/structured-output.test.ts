import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../canonical/request.js';
import { claudeTraits } from './claude-traits.js';
import { anthropicSchema, nativeOutputFormat } from './structured-output.js';
import { translateRequest } from './translate-request.js';

/**
 * Anthropic refuses a structured-output schema with an open object or a constraint its decoding cannot enforce (a 400
 * naming the keyword), so a client's strict schema is rewritten to what it takes, or not sent at all.
 */
describe("a JSON Schema made to Anthropic's structured-output rules", () => {
  it('should close every object, nested ones and those in arrays and unions included', () => {
    const schema = {
      type: 'object',
      properties: {
        address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        either: { anyOf: [{ type: 'object', properties: {} }, { type: 'null' }] },
      },
      required: ['address', 'tags', 'either'],
    };
    expect(anthropicSchema(schema)).toEqual({
      type: 'object',
      properties: {
        address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
        tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false } },
        either: { anyOf: [{ type: 'object', properties: {}, additionalProperties: false }, { type: 'null' }] },
      },
      required: ['address', 'tags', 'either'],
      additionalProperties: false,
    });
    // The client's schema itself is left as it was.
    expect(schema.properties.address).not.toHaveProperty('additionalProperties');
  });

  it('should move the constraints Anthropic refuses into the description, after the one the schema had', () => {
    const rewritten = anthropicSchema({
      type: 'object',
      properties: {
        age: { type: 'integer', description: 'Age in years.', minimum: 0, maximum: 150 },
        code: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[A-Z]+$' },
        ratio: { type: 'number', multipleOf: 0.5 },
      },
      required: ['age', 'code', 'ratio'],
      additionalProperties: false,
    });
    expect(rewritten?.properties).toEqual({
      age: { type: 'integer', description: 'Age in years.\n\nJSON Schema constraints: {"minimum":0,"maximum":150}' },
      code: { type: 'string', description: 'JSON Schema constraints: {"minLength":2,"maxLength":8,"pattern":"^[A-Z]+$"}' },
      ratio: { type: 'number', description: 'JSON Schema constraints: {"multipleOf":0.5}' },
    });
  });

  it('should keep the string formats Anthropic decodes and describe any other', () => {
    const property = (format: string) => anthropicSchema({ type: 'string', format });
    for (const format of ['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']) {
      expect(property(format), format).toEqual({ type: 'string', format });
    }
    expect(property('credit-card')).toEqual({ type: 'string', description: 'JSON Schema constraints: {"format":"credit-card"}' });
    expect(anthropicSchema({ type: ['string', 'null'], format: 'email' })).toEqual({ type: ['string', 'null'], format: 'email' });
  });

  it('should take oneOf as anyOf', () => {
    expect(anthropicSchema({ oneOf: [{ type: 'string' }, { type: 'integer', minimum: 1 }] })).toEqual({
      anyOf: [{ type: 'string' }, { type: 'integer', description: 'JSON Schema constraints: {"minimum":1}' }],
    });
  });

  it('should keep minItems of 0 or 1 and describe a larger one, and maxItems', () => {
    expect(anthropicSchema({ type: 'array', items: { type: 'string' }, minItems: 0 })).toEqual({ type: 'array', items: { type: 'string' }, minItems: 0 });
    expect(anthropicSchema({ type: 'array', items: { type: 'string' }, minItems: 1 })).toEqual({ type: 'array', items: { type: 'string' }, minItems: 1 });
    expect(anthropicSchema({ type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 3 })).toEqual({
      type: 'array',
      items: { type: 'string' },
      description: 'JSON Schema constraints: {"minItems":2,"maxItems":3}',
    });
  });

  it('should keep $defs and the references to them, each definition made to the rules too', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#/$defs/address', description: 'dropped beside a reference' } },
      required: ['home', 'work'],
      additionalProperties: false,
      $defs: { address: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' } }, required: ['zip'] } },
    };
    expect(anthropicSchema(schema)).toEqual({
      type: 'object',
      properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#/$defs/address' } },
      required: ['home', 'work'],
      additionalProperties: false,
      $defs: {
        address: { type: 'object', properties: { zip: { type: 'string', description: 'JSON Schema constraints: {"pattern":"^\\\\d{5}$"}' } }, required: ['zip'], additionalProperties: false },
      },
    });
    // Draft 7's `definitions` too.
    expect(anthropicSchema({ type: 'array', items: { $ref: '#/definitions/n' }, definitions: { n: { type: 'number' } } })).toEqual({
      type: 'array',
      items: { $ref: '#/definitions/n' },
      definitions: { n: { type: 'number' } },
    });
  });

  it('should refuse recursive schemas: a reference to the root, or definitions that reach themselves', () => {
    const tree = { type: 'object', properties: { children: { type: 'array', items: { $ref: '#' } } }, required: ['children'], additionalProperties: false };
    expect(anthropicSchema(tree)).toBeUndefined();
    const cycle = {
      type: 'object',
      properties: { a: { $ref: '#/$defs/a' } },
      $defs: { a: { type: 'object', properties: { b: { $ref: '#/$defs/b' } } }, b: { anyOf: [{ $ref: '#/$defs/a' }, { type: 'null' }] } },
    };
    expect(anthropicSchema(cycle)).toBeUndefined();
  });

  it('should refuse references it cannot follow: to another document, or to a definition that is not there', () => {
    expect(anthropicSchema({ type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } })).toBeUndefined();
    expect(anthropicSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })).toBeUndefined();
  });

  it('should refuse a schema that has no type and no union, enum or const somewhere', () => {
    expect(anthropicSchema({})).toBeUndefined();
    expect(anthropicSchema({ type: 'object', properties: { anything: { description: 'any value' } } })).toBeUndefined();
    // An enum or const stands for a type.
    expect(anthropicSchema({ type: 'object', properties: { unit: { type: 'string', enum: ['c', 'f'] }, v: { const: 2 } } })).toEqual({
      type: 'object',
      properties: { unit: { enum: ['c', 'f'] }, v: { const: 2 } },
      additionalProperties: false,
    });
  });

  it('should refuse an object that declares keys beyond its properties, which closing it would forbid', () => {
    expect(anthropicSchema({ type: 'object', additionalProperties: { type: 'string' } })).toBeUndefined();
    expect(anthropicSchema({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true })).toBeUndefined();
  });
});

describe('when a request is decoded to its schema', () => {
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
  const request = (over: Partial<CanonicalRequest> = {}): Pick<CanonicalRequest, 'responseFormat' | 'messages'> => ({
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    responseFormat: { type: 'json_schema', name: 'answer', schema, strict: true },
    ...over,
  });
  const sonnet45 = claudeTraits('claude-sonnet-4-5');

  it('should take a strict schema on a model with structured outputs', () => {
    expect(nativeOutputFormat(request(), sonnet45, false)).toEqual({ type: 'json_schema', schema });
  });

  it('should leave every other request to the prompt', () => {
    expect(nativeOutputFormat(request({ responseFormat: { type: 'json_schema', name: 'answer', schema } }), sonnet45, false)).toBeUndefined();
    expect(nativeOutputFormat(request({ responseFormat: { type: 'json_object' } }), sonnet45, false)).toBeUndefined();
    expect(nativeOutputFormat(request(), claudeTraits('claude-3-5-haiku-20241022'), false)).toBeUndefined();
    // Anthropic combines structured outputs with neither a prefill nor citations.
    expect(nativeOutputFormat(request(), sonnet45, true)).toBeUndefined();
    const cited = request({ messages: [{ role: 'user', content: [{ type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'notes' }, citations: true }] }] });
    expect(nativeOutputFormat(cited, sonnet45, false)).toBeUndefined();
  });
});

describe("an Anthropic client's own output_config, on a translated request", () => {
  const target = ModelConfig.parse({ id: 'a', name: 'claude', provider: 'anthropic', providerModel: 'claude-opus-4-7', inputCostPerMillion: 5, outputCostPerMillion: 25 });
  const format = { type: 'json_schema', schema: { type: 'object', properties: {}, additionalProperties: false } };

  // The effort here is the adapter's, from the client's thinking budget (Opus 4.7 thinks adaptively only).
  it("should keep the adapter's effort beside the client's format, and the client's own effort over it", () => {
    const budget = (outputConfig: Record<string, unknown>) =>
      translateRequest(
        { stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], reasoning: { budgetTokens: 2000 }, passthrough: { protocol: 'anthropic-messages', fields: { output_config: outputConfig } } },
        target,
      ).output_config;
    expect(budget({ format })).toEqual({ effort: 'low', format });
    expect(budget({ effort: 'max', format })).toEqual({ effort: 'max', format });
  });
});
