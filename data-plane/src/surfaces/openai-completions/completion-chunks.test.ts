import { describe, expect, it } from 'vitest';
import { CompletionChunkEncoder } from './completion-chunks.js';

const USAGE = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

describe('CompletionChunkEncoder', () => {
  const parse = (event: string) => {
    expect(event.startsWith('data: ') && event.endsWith('\n\n')).toBe(true);
    return JSON.parse(event.slice(6)) as Record<string, unknown>;
  };

  it('produces text_completion chunk objects, with usage:null only when usage was asked for', () => {
    const plain = new CompletionChunkEncoder('cmpl-1', 1700000000, 'm"odel', false);
    expect(parse(plain.text('a "quoted"\nline'))).toEqual({
      id: 'cmpl-1', object: 'text_completion', created: 1700000000, model: 'm"odel',
      choices: [{ text: 'a "quoted"\nline', index: 0, logprobs: null, finish_reason: null }],
    });
    expect(parse(plain.finish('length'))).toMatchObject({ choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'length' }] });
    expect(plain.usage(USAGE)).toBe('');

    const withUsage = new CompletionChunkEncoder('cmpl-1', 1700000000, 'm', true);
    expect(parse(withUsage.text('x')).usage).toBeNull();
    expect(parse(withUsage.finish('stop')).usage).toBeNull();
    expect(parse(withUsage.usage(USAGE))).toEqual({
      id: 'cmpl-1', object: 'text_completion', created: 1700000000, model: 'm',
      choices: [], usage: USAGE,
    });
  });

  it('frames [DONE] and errors as SSE events', () => {
    expect(CompletionChunkEncoder.DONE).toBe('data: [DONE]\n\n');
    expect(parse(CompletionChunkEncoder.error({ error: { message: 'boom', type: 'api_error', param: null, code: 'x' } }))).toEqual({
      error: { message: 'boom', type: 'api_error', param: null, code: 'x' },
    });
  });
});
