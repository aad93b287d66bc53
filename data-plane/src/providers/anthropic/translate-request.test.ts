import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest, Message } from '../../canonical/request.js';
import type { ProviderTarget } from '../types.js';
import { translateRequest } from './translate-request.js';

const target: ProviderTarget = ModelConfig.parse({ id: 'a', name: 'claude', provider: 'anthropic', providerModel: 'claude-sonnet-4-6', inputCostPerMillion: 3, outputCostPerMillion: 15 });
const legacy: ProviderTarget = { ...target, providerModel: 'claude-3-haiku-20240307' };

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });
const request = (over: Partial<CanonicalRequest> = {}): CanonicalRequest => ({ stream: false, messages: [user('hi')], ...over });

describe('Anthropic request translation', () => {
  it('should move system messages into system blocks, keeping cache_control, wherever they were', () => {
    const wire = translateRequest(
      request({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'You are terse.', cacheControl: { type: 'ephemeral', ttl: '1h' } }] },
          user('hi'),
          { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: '' }] },
        ],
      }),
      target,
    );
    expect(wire.system).toEqual([
      { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(wire.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('should give a system prompt alone a user turn, as Anthropic refuses an empty conversation', () => {
    const wire = translateRequest(request({ messages: [{ role: 'system', content: [{ type: 'text', text: 'Write a haiku about tea.' }] }] }), target);
    expect(wire.system).toEqual([{ type: 'text', text: 'Write a haiku about tea.' }]);
    expect(wire.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: '.' }] }]);
  });

  it('should merge consecutive turns of the same role so user and assistant alternate', () => {
    const wire = translateRequest(
      request({
        messages: [
          user('one'),
          { role: 'user', content: [{ type: 'text', text: 'two', cacheControl: { type: 'ephemeral' } }] },
          { role: 'assistant', content: [{ type: 'text', text: 'a' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
          user('three'),
        ],
      }),
      target,
    );
    expect(wire.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'user', content: [{ type: 'text', text: 'three' }] },
    ]);
  });

  it('should send tool calls as tool_use with parsed input, and tool messages as one user turn of tool_results first', () => {
    const wire = translateRequest(
      request({
        messages: [
          user('weather?'),
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'Two cities.', signature: 'sig' },
              { type: 'reasoning', text: '', redactedData: 'opaque' },
              { type: 'reasoning', text: 'unsigned, from another provider' },
              { type: 'text', text: '' },
              { type: 'tool-call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { type: 'tool-call', id: 'toolu_2', name: 'get_weather', arguments: '{"city":"Tok' },
            ],
          },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '18°C' }] }] },
          { role: 'user', content: [{ type: 'text', text: 'and also' }] },
          {
            role: 'tool',
            content: [{
              type: 'tool-result',
              toolCallId: 'toolu_2',
              isError: true,
              cacheControl: { type: 'ephemeral' },
              content: [{ type: 'text', text: 'timeout' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } }],
            }],
          },
        ],
      }),
      target,
    );
    expect(wire.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two cities.', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          // Truncated arguments a model produced cannot be parsed; the conversation goes on with an empty input.
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }] },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            is_error: true,
            cache_control: { type: 'ephemeral' },
            content: [{ type: 'text', text: 'timeout' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }],
          },
          { type: 'text', text: 'and also' },
        ],
      },
    ]);
  });

  it('should send images by URL, data URLs as base64', () => {
    const wire = translateRequest(
      request({
        messages: [{
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } },
            { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/4AAQ' }, cacheControl: { type: 'ephemeral' } },
            { type: 'text', text: 'what is this?' },
          ],
        }],
      }),
      target,
    );
    expect(wire.messages[0]!.content).toEqual([
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' }, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'what is this?' },
    ]);
  });

  it('should spell media types as Claude takes them (image/jpg, upper case) and refuse the types it does not take', () => {
    const image = (url: string) => request({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url } }] }] });
    expect(translateRequest(image('data:image/jpg;base64,/9j/'), target).messages[0]!.content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/' } }]);
    expect(translateRequest(image('data:IMAGE/PNG;base64,iVBOR'), target).messages[0]!.content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }]);
    expect(() => translateRequest(image('data:image/bmp;base64,Qk0'), target)).toThrow(
      expect.objectContaining({ status: 400, code: 'unsupported_image_format', message: 'anthropic: Claude does not accept images of type image/bmp (png, jpeg, gif and webp only).' }),
    );
  });

  it('should send files as document blocks: PDFs as base64 or URL, text as a text source, title, context, citations and cache_control kept', () => {
    const pdf = { kind: 'base64' as const, mediaType: 'application/pdf', data: 'JVBERi0xLjQK' };
    const wire = translateRequest(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'file', source: pdf, title: 'Q3 report', context: 'Quarterly figures', citations: true, cacheControl: { type: 'ephemeral' } },
              // An OpenAI client's file: its filename becomes the title.
              { type: 'file', source: pdf, filename: 'report.pdf' },
              { type: 'file', source: { kind: 'url', url: 'https://example.com/paper.pdf', mediaType: 'application/pdf' }, citations: false },
              { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'Plain notes.' } },
              // Base64 text (an OpenAI client's .md file) is decoded into a text source.
              { type: 'file', source: { kind: 'base64', mediaType: 'text/markdown', data: Buffer.from('# Notes').toString('base64') }, filename: 'notes.md' },
              { type: 'text', text: 'Summarise.' },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: 'Read', arguments: '{"path":"a.pdf"}' }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'file', source: pdf }] }] },
        ],
      }),
      target,
    );
    expect(wire.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' },
            title: 'Q3 report',
            context: 'Quarterly figures',
            citations: { enabled: true },
            cache_control: { type: 'ephemeral' },
          },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'report.pdf' },
          { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' }, citations: { enabled: false } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '# Notes' }, title: 'notes.md' },
          { type: 'text', text: 'Summarise.' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.pdf' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } }] }] },
    ]);
  });

  it('should refuse documents Anthropic cannot read with a 400', () => {
    const docx = { type: 'file' as const, source: { kind: 'base64' as const, mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', data: 'UEsDB' } };
    expect(() => translateRequest(request({ messages: [{ role: 'user', content: [docx] }] }), target)).toThrow(
      expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'unsupported_file_type', message: expect.stringMatching(/^anthropic: documents of type application\/vnd\.openxml.* are not supported/) }),
    );
    const audio = { type: 'file' as const, source: { kind: 'base64' as const, mediaType: 'audio/wav', data: 'UklGRg' } };
    expect(() => translateRequest(request({ messages: [{ role: 'user', content: [audio] }] }), target)).toThrow(
      expect.objectContaining({ status: 400, code: 'unsupported_file_type', message: 'anthropic: Claude takes no audio input (audio/wav); send a transcript as text.' }),
    );
  });

  it('should default max_tokens, which Anthropic requires, by model, and honour the client and the adapter option', () => {
    expect(translateRequest(request(), target).max_tokens).toBe(8192);
    expect(translateRequest(request(), legacy).max_tokens).toBe(4096);
    expect(translateRequest(request({ maxOutputTokens: 300 }), target).max_tokens).toBe(300);
    expect(translateRequest(request(), target, { defaultMaxTokens: 1000 }).max_tokens).toBe(1000);
  });

  it('should turn a reasoning budget or effort into thinking, with max_tokens above the budget, on a model that takes budgets only', () => {
    const sonnet4 = { ...target, providerModel: 'claude-sonnet-4-20250514' };
    expect(translateRequest(request({ reasoning: { budgetTokens: 5000 } }), sonnet4)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 5000 }, max_tokens: 5000 + 8192 });
    expect(translateRequest(request({ reasoning: { budgetTokens: 100 }, maxOutputTokens: 20_000 }), sonnet4)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 20_000 });
    // A client limit is never raised: the effort's budget shrinks under it, or there is no thinking (see thinking.test.ts).
    expect(translateRequest(request({ reasoning: { effort: 'high' }, maxOutputTokens: 4000 }), sonnet4)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 3000 }, max_tokens: 4000 });
    expect(translateRequest(request({ reasoning: { effort: 'high' }, maxOutputTokens: 1000 }), sonnet4)).toMatchObject({ max_tokens: 1000 });
    expect(translateRequest(request({ reasoning: { effort: 'high' }, maxOutputTokens: 1000 }), sonnet4)).not.toHaveProperty('thinking');
    expect(translateRequest(request({ reasoning: { effort: 'low' } }), sonnet4).thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(translateRequest(request({ reasoning: { effort: 'medium' } }), sonnet4).thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    // Claude 3.5 and older take no thinking: Anthropic answers it with a 400 ("does not support thinking").
    const haiku35 = translateRequest(request({ reasoning: { effort: 'high' }, temperature: 0.5 }), { ...target, providerModel: 'claude-3-5-haiku-20241022' });
    expect(haiku35).not.toHaveProperty('thinking');
    expect(haiku35).toMatchObject({ max_tokens: 8192, temperature: 0.5 });
    expect(translateRequest(request({ reasoning: { effort: 'medium' } }), sonnet4)).not.toHaveProperty('output_config');
    expect(translateRequest(request({ reasoning: { budgetTokens: 0, effort: 'high' } }), sonnet4).thinking).toBeUndefined();
    expect(translateRequest(request({ reasoning: {} }), sonnet4).thinking).toBeUndefined();
  });

  // Opus and Sonnet 4.6 take adaptive thinking with an effort beside a (deprecated) budget; Opus 4.7 and later take
  // adaptive thinking only, and answer a budget with a 400 (https://docs.aws.amazon.com/bedrock/latest/userguide/
  // claude-messages-adaptive-thinking.html). An OpenAI client's reasoning_effort failed on every such model.
  it('should think adaptively with an effort where the model takes it, keeping a client budget where the model still takes one', () => {
    expect(translateRequest(request({ reasoning: { effort: 'medium' } }), target)).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' }, max_tokens: 8192 + 8192 });
    expect(translateRequest(request({ reasoning: { effort: 'minimal' }, maxOutputTokens: 3000 }), target)).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' }, max_tokens: 3000 });
    expect(translateRequest(request({ reasoning: { budgetTokens: 5000 } }), target)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 5000 } });

    const opus47 = { ...target, providerModel: 'claude-opus-4-7' };
    expect(translateRequest(request({ reasoning: { budgetTokens: 31_999 } }), opus47)).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(translateRequest(request({ reasoning: { budgetTokens: 2000 } }), opus47)).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
    expect(translateRequest(request({ reasoning: { effort: 'high' } }), { ...target, providerModel: 'claude-mythos-5' })).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    const off = translateRequest(request({ reasoning: { off: true } }), opus47);
    expect(off).not.toHaveProperty('thinking');
    expect(off).not.toHaveProperty('output_config');
  });

  it('should drop sampling settings thinking does not allow, and clamp temperature to 0–1 otherwise', () => {
    const thinking = translateRequest(request({ reasoning: { effort: 'low' }, temperature: 0.2, topK: 5, topP: 0.5 }), target);
    expect(thinking).not.toHaveProperty('temperature');
    expect(thinking).not.toHaveProperty('top_k');
    expect(thinking.top_p).toBe(0.95);
    const sonnet4 = { ...target, providerModel: 'claude-sonnet-4-20250514' };
    expect(translateRequest(request({ temperature: 1.6, topP: 0.9, topK: 40 }), sonnet4)).toMatchObject({ temperature: 1, top_p: 0.9, top_k: 40 });
  });

  // From Opus 4.1 and the 4.5 models on, "`temperature` and `top_p` cannot both be specified for this model"; from
  // Opus 4.7 on, "`temperature` is deprecated for this model" (and top_p, top_k). OpenAI clients often send both.
  it('should send a model only the sampling parameters it takes', () => {
    const both = request({ temperature: 0.7, topP: 0.9, topK: 40 });
    const sent = (model: string) => {
      const body = translateRequest(both, { ...target, providerModel: model });
      return { temperature: body.temperature, top_p: body.top_p, top_k: body.top_k };
    };
    expect(sent('claude-3-7-sonnet-20250219')).toEqual({ temperature: 0.7, top_p: 0.9, top_k: 40 });
    expect(sent('claude-opus-4-1-20250805')).toEqual({ temperature: 0.7, top_p: undefined, top_k: 40 });
    expect(sent('claude-sonnet-4-5-20250929')).toEqual({ temperature: 0.7, top_p: undefined, top_k: 40 });
    expect(sent('claude-sonnet-4-6')).toEqual({ temperature: 0.7, top_p: undefined, top_k: 40 });
    expect(sent('claude-opus-4-7')).toEqual({ temperature: undefined, top_p: undefined, top_k: undefined });
    expect(translateRequest(request({ topP: 0.9 }), { ...target, providerModel: 'claude-haiku-4-5' }).top_p).toBe(0.9);
  });

  it('should map tools with cache_control, tool_choice and parallel tool calls', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', parameters: { properties: { city: { type: 'string' } } }, cacheControl: { type: 'ephemeral' as const } }];
    const wire = translateRequest(request({ tools, toolChoice: { type: 'required' }, parallelToolCalls: false }), target);
    expect(wire.tools).toEqual([{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }]);
    expect(wire.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(translateRequest(request({ tools, toolChoice: { type: 'tool', name: 'get_weather' } }), target).tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(translateRequest(request({ tools, toolChoice: { type: 'auto' } }), target).tool_choice).toEqual({ type: 'auto' });
    expect(translateRequest(request({ tools, toolChoice: { type: 'none' }, parallelToolCalls: false }), target).tool_choice).toEqual({ type: 'none' });
    expect(translateRequest(request({ tools, parallelToolCalls: false }), target).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(translateRequest(request({ tools }), target)).not.toHaveProperty('tool_choice');
    // tool_choice without tools is an Anthropic error; there is nothing to choose from anyway.
    expect(translateRequest(request({ toolChoice: { type: 'required' } }), target)).not.toHaveProperty('tool_choice');
  });

  it('should map stop, user and stream, and drop what Anthropic has no field for', () => {
    const wire = translateRequest(request({ stop: ['###', '  '], user: 'user-42', stream: true, seed: 7, frequencyPenalty: 1, presencePenalty: 1 }), target);
    expect(wire).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 8192,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stop_sequences: ['###'],
      metadata: { user_id: 'user-42' },
      stream: true,
    });
  });

  it('should ask for JSON in the system prompt, after the cached prefix, since not every model has a JSON mode', () => {
    const wire = translateRequest(
      request({
        messages: [{ role: 'system', content: [{ type: 'text', text: 'sys', cacheControl: { type: 'ephemeral' } }] }, user('hi')],
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'number' } } } },
      }),
      target,
    );
    expect(wire.system).toHaveLength(2);
    expect(wire.system![1]!.text).toContain('"answer"');
    expect(wire.system![1]!.text).toContain('{"type":"object","properties":{"a":{"type":"number"}}}');
    expect(translateRequest(request({ responseFormat: { type: 'json_object' } }), target).system![0]!.text).toMatch(/JSON object/);
    expect(translateRequest(request({ responseFormat: { type: 'text' } }), target)).not.toHaveProperty('system');
  });

  it('should trim trailing whitespace from a final assistant prefill', () => {
    const wire = translateRequest(request({ messages: [user('hi'), { role: 'assistant', content: [{ type: 'text', text: 'Sure: ' }] }] }), target);
    expect(wire.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Sure:' }] });
  });

  it('should merge passthrough fields only from Anthropic clients, never over model, messages or stream', () => {
    const fields = { top_k: 3, container: 'c1', model: 'other', stream: false, messages: [] };
    const anthropic = translateRequest(request({ stream: true, passthrough: { protocol: 'anthropic-messages', fields } }), target);
    expect(anthropic).toMatchObject({ top_k: 3, container: 'c1', model: 'claude-sonnet-4-6', stream: true });
    expect(anthropic.messages).toHaveLength(1);
    const openai = translateRequest(request({ passthrough: { protocol: 'openai-chat', fields: { logprobs: true } } }), target);
    expect(openai).not.toHaveProperty('logprobs');
  });
});
