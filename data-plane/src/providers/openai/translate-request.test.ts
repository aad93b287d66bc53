import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../surfaces/openai-chat/chat-request.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { translateRequest, type OpenAiRequestOptions } from './translate-request.js';

const target = ModelConfig.parse({ id: 'm', name: 'public-name', provider: 'openai', providerModel: 'gpt-4o-2024-08-06', inputCostPerMillion: 1, outputCostPerMillion: 1 });

/** An inbound OpenAI body through the real inbound parser, then out again. */
function roundTrip(body: Record<string, unknown>) {
  return translateRequest(parseChatRequest(Buffer.from(JSON.stringify({ model: 'public-name', ...body }))).canonical, target);
}

/** The same, to another deployment with its provider's options. */
function roundTripTo(to: ModelConfig, options: OpenAiRequestOptions, messages: unknown[]) {
  return translateRequest(parseChatRequest(Buffer.from(JSON.stringify({ model: 'public-name', messages }))).canonical, to, options);
}

describe('canonical → OpenAI chat completions body', () => {
  it('sends the provider model, and carries unknown client fields through untouched', () => {
    const body = roundTrip({
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 2,
      metadata: { team: 'a' },
      store: false,
      service_tier: 'flex',
      prediction: { type: 'content', content: 'x' },
      web_search_options: {},
    });
    expect(body).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 2,
      metadata: { team: 'a' },
      store: false,
      service_tier: 'flex',
      prediction: { type: 'content', content: 'x' },
      web_search_options: {},
      stream: false,
    });
  });

  it('ignores passthrough fields of other protocols, and never lets passthrough override what the gateway sets', () => {
    const request: CanonicalRequest = {
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      passthrough: { protocol: 'anthropic-messages', fields: { thinking: { type: 'enabled' } } },
    };
    expect(translateRequest(request, target)).not.toHaveProperty('thinking');
    const sneaky = translateRequest({ ...request, passthrough: { protocol: 'openai-chat', fields: { model: 'other', stream: false } } }, target);
    expect(sneaky).toMatchObject({ model: 'gpt-4o-2024-08-06', stream: true, stream_options: { include_usage: true } });
  });

  it('always asks for include_usage when streaming', () => {
    expect(roundTrip({ messages: [{ role: 'user', content: 'hi' }], stream: true })).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('maps tools, tool choice, parallel tool calls, tool calls and tool results', () => {
    const body = roundTrip({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
    ]);
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }]);
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(body.parallel_tool_calls).toBe(false);
    expect(roundTrip({ messages: [{ role: 'user', content: 'x' }], tools: body.tools, tool_choice: 'required' }).tool_choice).toBe('required');
    // Without tools OpenAI refuses it: "'parallel_tool_calls' is only allowed when 'tools' are specified".
    expect(roundTrip({ messages: [{ role: 'user', content: 'x' }], parallel_tool_calls: true })).not.toHaveProperty('parallel_tool_calls');
  });

  it('sends images as image_url parts, base64 ones as data URLs, with detail', () => {
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'low' },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    };
    expect(translateRequest(request, target).messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    });
  });

  it('sends files as file parts with a data URL and a filename, and text documents as text', () => {
    const pdf = { kind: 'base64' as const, mediaType: 'application/pdf', data: 'JVBERi0xLjQK' };
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', source: pdf, filename: 'report.pdf', citations: true, context: 'Anthropic only' },
            { type: 'file', source: pdf, title: 'Q3 report' },
            { type: 'file', source: pdf },
            { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'Plain notes.' }, title: 'notes' },
            { type: 'file', source: { kind: 'base64', mediaType: 'text/markdown', data: Buffer.from('# Notes').toString('base64') }, filename: 'notes.md' },
            { type: 'text', text: 'Summarise.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'read', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'File: ' }, { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'notes' } }] }] },
      ],
    };
    const body = translateRequest(request, target);
    expect(body.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'report.pdf' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'Q3 report.pdf' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'document.pdf' } },
        { type: 'text', text: 'Plain notes.' },
        // Chat completions reads PDFs only: base64 text goes as text.
        { type: 'text', text: '# Notes' },
        { type: 'text', text: 'Summarise.' },
      ],
    });
    expect(body.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'File: notes' });
    // A lone text document is sent as plain string content, like a lone text part.
    expect(translateRequest({ stream: false, messages: [{ role: 'user', content: [{ type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'only' } }] }] }, target).messages[0]).toEqual({ role: 'user', content: 'only' });
  });

  it('round-trips an OpenAI file part unchanged', () => {
    const file = { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } };
    expect(roundTrip({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, file] }] }).messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'x' }, file] });
  });

  it('refuses file URLs with a 400', () => {
    const url: CanonicalRequest = { stream: false, messages: [{ role: 'user', content: [{ type: 'file', source: { kind: 'url', url: 'https://example.com/a.pdf' } }] }] };
    expect(() => translateRequest(url, target)).toThrow(expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'file_url_not_supported', message: expect.stringMatching(/does not fetch URLs/) }));
  });

  it('sends the images and PDFs of tool results in a user message after the tool messages, labelled by call', () => {
    const png = { kind: 'base64' as const, mediaType: 'image/png', data: 'iVBORw0KGgo=' };
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        { role: 'tool', content: [
          { type: 'tool-result', toolCallId: 'call_shot', content: [{ type: 'text', text: 'Screenshot taken.' }, { type: 'image', source: png }] },
          { type: 'tool-result', toolCallId: 'call_ls', content: [{ type: 'text', text: 'a.txt b.pdf' }] },
          { type: 'tool-result', toolCallId: 'call_read', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }, { type: 'image', source: { kind: 'url', url: 'https://example.com/p.png' } }] },
        ] },
        { role: 'user', content: [{ type: 'text', text: 'What do you see?' }] },
      ],
    };
    expect(translateRequest(request, target).messages).toEqual([
      { role: 'tool', tool_call_id: 'call_shot', content: 'Screenshot taken.\n[an attachment of this result follows in the next user message]' },
      { role: 'tool', tool_call_id: 'call_ls', content: 'a.txt b.pdf' },
      { role: 'tool', tool_call_id: 'call_read', content: '[2 attachments of this result follow in the next user message]' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments of the result of tool call call_shot:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'text', text: 'Attachments of the result of tool call call_read:' },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'document.pdf' } },
          { type: 'image_url', image_url: { url: 'https://example.com/p.png' } },
        ],
      },
      { role: 'user', content: 'What do you see?' },
    ]);
  });

  it('keeps system prompts as system (developer messages arrive as system too), drops cache_control and earlier reasoning', () => {
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'rules', cacheControl: { type: 'ephemeral' } }] },
        { role: 'user', content: [{ type: 'text', text: 'q', cacheControl: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm', signature: 'sig' }, { type: 'text', text: 'a' }] },
      ],
      tools: [{ name: 't', parameters: { type: 'object' }, cacheControl: { type: 'ephemeral' } }],
    };
    const body = translateRequest(request, target);
    expect(body.messages).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/cache_?control|ephemeral|hmm/i);
    expect(roundTrip({ messages: [{ role: 'developer', content: 'dev rules' }, { role: 'user', content: 'x' }] }).messages[0]).toEqual({ role: 'system', content: 'dev rules' });
  });

  it('maps sampling, limits, response format and reasoning effort to their OpenAI names', () => {
    const body = roundTrip({
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
      user: 'end-user-1',
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(body).toMatchObject({
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.3,
      user: 'end-user-1',
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(body).not.toHaveProperty('max_tokens');
  });

  describe('reasoning sent back (DeepSeek thinking mode: a tool-calling turn without its reasoning_content is a 400)', () => {
    const compatible = ModelConfig.parse({ id: 'c', name: 'ds', provider: 'openai_compatible', providerModel: 'deepseek-v4-pro', apiBase: 'http://x/v1', inputCostPerMillion: 1, outputCostPerMillion: 1 });
    const options = { maxTokensField: 'max_tokens', topK: true, reasoningContent: true } as const;
    const call = { type: 'tool-call', id: 'c1', name: 'f', arguments: '{}' } as const;
    const history = (assistant: CanonicalRequest['messages'][number]['content']): CanonicalRequest => ({
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        { role: 'assistant', content: assistant },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [{ type: 'text', text: 'r' }] }] },
      ],
    });

    it('goes as reasoning_content on an assistant turn that called tools: a chat client\'s, unsigned, or this provider\'s own', () => {
      const fromChat = roundTripTo(compatible, options, [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, reasoning_content: 'I should call f.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'r' },
      ]);
      expect(fromChat.messages[1]).toEqual({ role: 'assistant', content: null, reasoning_content: 'I should call f.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] });
      const own = translateRequest(history([{ type: 'reasoning', text: 'a ' }, { type: 'reasoning', text: 'b', signature: 's', origin: 'openai_compatible' }, call]), compatible, options);
      expect(own.messages[1]).toMatchObject({ reasoning_content: 'a b' });
    });

    it('is left out where there is no reasoning, no tool call, or it is signed by someone else, and for OpenAI and Azure', () => {
      expect(translateRequest(history([call]), compatible, options).messages[1]).not.toHaveProperty('reasoning_content');
      expect(translateRequest(history([{ type: 'reasoning', text: 'hmm' }, { type: 'text', text: 'a' }]), compatible, options).messages[1]).toEqual({ role: 'assistant', content: 'a' });
      const signed = history([{ type: 'reasoning', text: 'claude thought', signature: 'sig' }, { type: 'reasoning', text: '', redactedData: 'x' }, call]);
      expect(translateRequest(signed, compatible, options).messages[1]).not.toHaveProperty('reasoning_content');
      expect(translateRequest(history([{ type: 'reasoning', text: 'hmm' }, call]), target).messages[1]).not.toHaveProperty('reasoning_content');
    });
  });

  it('derives reasoning_effort from a thinking budget, and leaves top_k out for OpenAI', () => {
    const base: CanonicalRequest = { stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], topK: 40 };
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 1024 } }, target).reasoning_effort).toBe('low');
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 4096 } }, target).reasoning_effort).toBe('medium');
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 32000 } }, target).reasoning_effort).toBe('high');
    expect(translateRequest(base, target)).not.toHaveProperty('top_k');
    expect(translateRequest(base, target, { maxTokensField: 'max_tokens', topK: true })).toMatchObject({ top_k: 40 });
  });
});
