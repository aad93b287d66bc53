import { describe, expect, it } from 'vitest';
import { ChatChunkEncoder } from './chat-chunks.js';

const USAGE = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

describe('ChatChunkEncoder', () => {
  const parse = (event: string) => {
    expect(event.startsWith('data: ') && event.endsWith('\n\n')).toBe(true);
    return JSON.parse(event.slice(6)) as Record<string, unknown>;
  };

  it('produces the exact OpenAI chunk objects, with usage:null only when usage was asked for', () => {
    const plain = new ChatChunkEncoder('chatcmpl-1', 1700000000, 'm"odel', false);
    expect(parse(plain.role())).toEqual({
      id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm"odel',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    expect(parse(plain.delta('a "quoted"\nline'))).toMatchObject({ choices: [{ index: 0, delta: { content: 'a "quoted"\nline' }, logprobs: null, finish_reason: null }] });
    expect(parse(plain.finish('length'))).toMatchObject({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }] });
    expect(plain.usage(USAGE)).toBe('');

    const withUsage = new ChatChunkEncoder('chatcmpl-1', 1700000000, 'm', true);
    expect(parse(withUsage.delta('x')).usage).toBeNull();
    expect(parse(withUsage.usage(USAGE))).toEqual({
      id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm',
      choices: [], usage: USAGE,
    });
  });

  it('frames [DONE] and errors as SSE events', () => {
    expect(ChatChunkEncoder.DONE).toBe('data: [DONE]\n\n');
    expect(parse(ChatChunkEncoder.error({ error: { message: 'boom', type: 'api_error', param: null, code: 'x' } }))).toEqual({
      error: { message: 'boom', type: 'api_error', param: null, code: 'x' },
    });
  });
});
