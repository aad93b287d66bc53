import { describe, expect, it } from 'vitest';
import { CustomInputStream, customArguments, customInput } from './custom-tools.js';

/** Feeds `args` to a fresh stream in pieces of `size` characters; the deltas it returned, then what `finish` says. */
function streamed(args: string, size: number): { deltas: string[]; input: string; rest: string } {
  const stream = new CustomInputStream();
  const deltas: string[] = [];
  for (let i = 0; i < args.length; i += size) {
    const text = stream.push(args.slice(i, i + size));
    if (text !== '') deltas.push(text);
  }
  return { deltas, ...stream.finish() };
}

// A patch with everything JSON escapes: quotes, backslashes, newlines, tabs, control characters, non-ASCII and a
// character outside the BMP (a surrogate pair when escaped).
const PATCH = '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-const s = "a\\b";\n+const s = "a\\\\b\t\u0001é";\n+// 🚀 done\n*** End Patch';

describe('a custom tool call input decoded as its arguments stream in', () => {
  it('gives deltas that add up to the input, whatever the piece size, with escapes split between pieces', () => {
    for (const args of [customArguments(PATCH), JSON.stringify({ input: PATCH }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)]) {
      for (const size of [1, 2, 3, 5, 8, 13, 1000]) {
        const { deltas, input, rest } = streamed(args, size);
        expect(input).toBe(PATCH);
        expect(deltas.join('') + rest, `size ${size}`).toBe(PATCH);
        expect(rest, `size ${size}`).toBe('');
        // No delta ends in half a surrogate pair.
        for (const d of deltas) expect(d, `size ${size}`).not.toMatch(/[\ud800-\udbff]$/);
      }
    }
  });

  it('streams as soon as the input starts, not at the end', () => {
    const stream = new CustomInputStream();
    expect(stream.push('{"in')).toBe('');
    expect(stream.push('put": "print(')).toBe('print(');
    expect(stream.push('1)')).toBe('1)');
    expect(stream.push('"}')).toBe('');
    expect(stream.finish()).toEqual({ input: 'print(1)', rest: '' });
  });

  it('keeps what a model wrote that is not {"input": "…"}: the arguments text whole, or the input found after other keys', () => {
    expect(streamed('{"other": 1, "input": "x"}', 4)).toEqual({ deltas: [], input: 'x', rest: 'x' });
    expect(streamed('{"patch": "x"}', 4)).toEqual({ deltas: [], input: '{"patch": "x"}', rest: '{"patch": "x"}' });
    expect(customInput('not json')).toBe('not json');
    // Cut by the output limit: what was decoded of the input.
    expect(streamed('{"input": "*** Begin Pa', 5)).toEqual({ deltas: ['*** ', 'Begin', ' Pa'], input: '*** Begin Pa', rest: '' });
    expect(customInput('{"input": "*** Begin Pa')).toBe('*** Begin Pa');
    expect(customInput('{"input": 42}')).toBe('{"input": 42}');
  });
});
