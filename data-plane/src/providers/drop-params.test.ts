import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { dropsStreamOptions, upstreamJson, withDefaults, withoutDropped } from './drop-params.js';

const target = (dropParams: string[], defaultParams: Record<string, unknown> = {}) =>
  ModelConfig.parse({ id: 'm', name: 'm', provider: 'openai_compatible', providerModel: 'm', apiBase: 'http://127.0.0.1:1/v1', inputCostPerMillion: 1, outputCostPerMillion: 1, dropParams, defaultParams });

describe('dropParams', () => {
  const body = {
    model: 'm',
    metadata: { a: '1' },
    user: 'u',
    generationConfig: { seed: 1, temperature: 0.5 },
    tools: [
      { type: 'function', function: { name: 'a', strict: true } },
      { type: 'function', function: { name: 'b' } },
    ],
  };

  it('takes out top-level fields, fields inside objects, and fields of every array element', () => {
    expect(JSON.parse(upstreamJson(target(['metadata', 'generationConfig.seed', 'tools.*.function.strict']), body))).toEqual({
      model: 'm',
      user: 'u',
      generationConfig: { temperature: 0.5 },
      tools: [
        { type: 'function', function: { name: 'a' } },
        { type: 'function', function: { name: 'b' } },
      ],
    });
  });

  it('leaves the body it is given as it was, and shares what no path reaches', () => {
    const before = structuredClone(body);
    const result = withoutDropped(body, ['user', 'tools.*.function.strict']);
    expect(body).toEqual(before);
    expect(result.generationConfig).toBe(body.generationConfig);
    expect(result.tools[1]).toBe(body.tools[1]);
    expect(result.tools[0]).not.toBe(body.tools[0]);
  });

  it('is the same body when a path reaches nothing: absent fields, scalars, arrays named as objects', () => {
    expect(withoutDropped(body, ['absent', 'user.length', 'tools.function', 'metadata.b', 'tools.*.absent'])).toBe(body);
  });

  it('sends the body unchanged without the setting', () => {
    expect(upstreamJson(target([]), body)).toBe(JSON.stringify(body));
  });

  it('knows when a deployment goes without stream_options', () => {
    expect(dropsStreamOptions(target(['stream_options']))).toBe(true);
    expect(dropsStreamOptions(target(['stream_options.include_usage']))).toBe(true);
    expect(dropsStreamOptions(target(['stream_options.include_obfuscation', 'metadata']))).toBe(false);
    expect(dropsStreamOptions(target([]))).toBe(false);
  });

  it('fills in default fields the body does not set, merging objects field by field and keeping what it sets', () => {
    const defaults = { temperature: 0.3, chat_template_kwargs: { enable_thinking: false, other: 1 }, stop: ['END'], user: 'default-user' };
    const sent = JSON.parse(upstreamJson(target([], defaults), { model: 'm', temperature: 0.9, chat_template_kwargs: { other: 2 }, stop: null, user: 'u' }));
    expect(sent).toEqual({ model: 'm', temperature: 0.9, chat_template_kwargs: { other: 2, enable_thinking: false }, stop: ['END'], user: 'u' });
    // Arrays and scalars are the body's own when it has them.
    expect(withDefaults({ stop: ['A'] }, { stop: ['END'] })).toEqual({ stop: ['A'] });
  });

  it('enforces a field both dropped and defaulted, and leaves the body it is given unchanged', () => {
    const body = { model: 'm', temperature: 0.9, nested: { a: 1 } };
    expect(JSON.parse(upstreamJson(target(['temperature'], { temperature: 0, nested: { b: 2 } }), body))).toEqual({ model: 'm', temperature: 0, nested: { a: 1, b: 2 } });
    expect(body).toEqual({ model: 'm', temperature: 0.9, nested: { a: 1 } });
    expect(withDefaults(body, { temperature: 1 })).toBe(body);
  });
});
