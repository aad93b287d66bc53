import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../canonical/request.js';
import { upstreamToolNames, type ToolNameRule } from './tool-names.js';

/** Gemini's rule, colons aside: a letter or `_` first, then letters, digits, `_`, `.`, `-`; at most 64. */
const RULE: ToolNameRule = { maxLength: 64, character: /[a-zA-Z0-9_.-]/, first: /[a-zA-Z_]/ };
const TAKEN = /^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/;

/** The names of a request offering tools called `names`. */
function toolNamesOf(...names: string[]) {
  const request: CanonicalRequest = { stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: names.map((name) => ({ name, parameters: { type: 'object' } })) };
  return upstreamToolNames(request, RULE);
}

describe('tool names under a provider rule', () => {
  it('should lead a name whose first character the rule refuses with _, and replace every character it refuses', () => {
    const names = toolNamesOf('1password_lookup', 'files/read file', 'Read');
    expect(names.toUpstream('1password_lookup')).toBe('_1password_lookup');
    expect(names.toUpstream('files/read file')).toBe('files_read_file');
    expect(names.toUpstream('Read')).toBe('Read');
    expect(names.toClient('_1password_lookup')).toBe('1password_lookup');
    expect(names.toClient('files_read_file')).toBe('files/read file');
  });

  it('should keep a repaired name apart from a tool already called that, and from another repaired the same way', () => {
    const names = toolNamesOf('get_weather', 'get weather', 'get/weather');
    const upstream = ['get_weather', 'get weather', 'get/weather'].map((name) => names.toUpstream(name));
    expect(upstream[0]).toBe('get_weather');
    expect(new Set(upstream).size).toBe(3);
    for (const name of upstream) expect(name).toMatch(TAKEN);
    expect(upstream.map((name) => names.toClient(name))).toEqual(['get_weather', 'get weather', 'get/weather']);
  });

  it('should shorten a long name that also needs repair into one the rule takes', () => {
    const long = `9${'x'.repeat(40)}/${'y'.repeat(40)}`;
    const short = toolNamesOf(long).toUpstream(long);
    expect(short).toMatch(TAKEN);
    expect(short).toHaveLength(64);
    expect(toolNamesOf('Read', long).toUpstream(long)).toBe(short);
  });
});
