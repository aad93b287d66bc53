import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../surfaces/openai-chat/chat-request.js';
import type { CanonicalRequest } from '../../canonical/request.js';
import { translateRequest, type OpenAiRequestOptions } from './translate-request.js';

const target = ModelConfig.parse({ id: 'm', name: 'public-name', provider: 'openai', providerModel: 'gpt-4o-2024-08-06', inputCostPerMillion: 1, outputCostPerMillion: 1 });
/** A model that reasons, which takes `reasoning_effort`. */
const reasoner = ModelConfig.parse({ id: 'r', name: 'public-name', provider: 'openai', providerModel: 'o4-mini-2025-04-16', inputCostPerMillion: 1, outputCostPerMillion: 1 });

/** An inbound OpenAI body through the real inbound parser, then out again. */
function roundTrip(body: Record<string, unknown>, to: ModelConfig = target) {
  return translateRequest(parseChatRequest(Buffer.from(JSON.stringify({ model: 'public-name', ...body }))).canonical, to);
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
            { type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklGRg' } },
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
        // Audio (a chat client's input_audio) as it came.
        { type: 'input_audio', input_audio: { data: 'UklGRg', format: 'wav' } },
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

  it('keeps the tool messages of one turn together when each result comes as its own tool message (Anthropic tool_result blocks)', () => {
    // Claude Code's parallel Read of a PNG and Bash: OpenAI refuses an assistant's tool calls not followed directly
    // by a tool message for each.
    const png = { kind: 'base64' as const, mediaType: 'image/png', data: 'iVBORw0KGgo=' };
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look at a.png and list the files' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_A', name: 'Read', arguments: '{}' }, { type: 'tool-call', id: 'toolu_B', name: 'Bash', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_A', content: [{ type: 'image', source: png }] }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_B', content: [{ type: 'text', text: 'a.png' }] }] },
        { role: 'user', content: [{ type: 'text', text: 'Well?' }] },
      ],
    };
    expect(translateRequest(request, target).messages.map((m) => [m.role, 'tool_call_id' in m ? m.tool_call_id : undefined])).toEqual([
      ['user', undefined],
      ['assistant', undefined],
      ['tool', 'toolu_A'],
      ['tool', 'toolu_B'],
      ['user', undefined],
      ['user', undefined],
    ]);
    expect(translateRequest(request, target).messages[4]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'Attachments of the result of tool call toolu_A:' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }],
    });
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
    }, reasoner);
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
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 1024 } }, reasoner).reasoning_effort).toBe('low');
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 4096 } }, reasoner).reasoning_effort).toBe('medium');
    expect(translateRequest({ ...base, reasoning: { budgetTokens: 32000 } }, reasoner).reasoning_effort).toBe('high');
    expect(translateRequest(base, target)).not.toHaveProperty('top_k');
    expect(translateRequest(base, target, { maxTokensField: 'max_tokens', topK: true })).toMatchObject({ top_k: 40 });
  });

  // OpenAI answers 400 "Unsupported parameter: 'reasoning_effort' is not supported with this model." for models that
  // do not reason, so Claude Code's thinking budget failed every request to gpt-4o.
  it('leaves reasoning_effort out for OpenAI and Azure models that do not reason, and sends it to compatible servers', () => {
    const thinking: CanonicalRequest = { stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], reasoning: { budgetTokens: 4096 } };
    expect(translateRequest(thinking, target)).not.toHaveProperty('reasoning_effort');
    expect(translateRequest({ ...thinking, reasoning: { effort: 'high' } }, target)).not.toHaveProperty('reasoning_effort');
    expect(roundTrip({ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'low' })).not.toHaveProperty('reasoning_effort');
    const azure = ModelConfig.parse({ id: 'a', name: 'az', provider: 'azure', providerModel: 'gpt-4.1', apiBase: 'https://r.openai.azure.com', inputCostPerMillion: 1, outputCostPerMillion: 1 });
    expect(translateRequest(thinking, azure)).not.toHaveProperty('reasoning_effort');
    expect(translateRequest(thinking, { ...azure, providerModel: 'gpt-5-mini' }).reasoning_effort).toBe('medium');
    // A compatible server's model name says nothing: the client's choice goes as before.
    const compatible = ModelConfig.parse({ id: 'c', name: 'q', provider: 'openai_compatible', providerModel: 'qwen3:8b', apiBase: 'http://x/v1', inputCostPerMillion: 1, outputCostPerMillion: 1 });
    expect(translateRequest(thinking, compatible, { maxTokensField: 'max_tokens', topK: true, reasoningEffort: 'any' }).reasoning_effort).toBe('medium');
  });

  // OpenAI refuses a `user` (or `safety_identifier`) longer than 64 characters: "Invalid 'user': string too long.
  // Expected a string with maximum length 64". Claude Code's metadata.user_id is a JSON object of about 150.
  describe('end-user ids longer than OpenAI takes', () => {
    const claudeCode = JSON.stringify({ device_id: 'a'.repeat(64), account_uuid: '7d0c2b7e-3a51-4c1e-9a55-0b6e0d3f2a11', session_id: '0f3e9a7c-52d4-4b8e-8f0a-6c1d2e3f4a5b' });
    const ask = (extra: Partial<CanonicalRequest>): CanonicalRequest => ({ stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }], ...extra });

    it('go as a stable 64-character digest; ids that fit go as they are', () => {
      const sent = translateRequest(ask({ user: claudeCode }), target).user as string;
      expect(sent).toMatch(/^[0-9a-f]{64}$/);
      expect(translateRequest(ask({ user: claudeCode }), target).user).toBe(sent);
      expect(translateRequest(ask({ user: `${claudeCode} ` }), target).user).not.toBe(sent);
      expect(translateRequest(ask({ user: 'u'.repeat(64) }), target).user).toBe('u'.repeat(64));
      expect(translateRequest(ask({ user: 'end-user-1' }), target).user).toBe('end-user-1');
    });

    it("shorten a chat client's safety_identifier the same way", () => {
      const body = roundTrip({ messages: [{ role: 'user', content: 'x' }], safety_identifier: claudeCode });
      expect(body.safety_identifier).toMatch(/^[0-9a-f]{64}$/);
      expect(body.user).toBe(body.safety_identifier);
      expect(roundTrip({ messages: [{ role: 'user', content: 'x' }], safety_identifier: 'short-id' }).safety_identifier).toBe('short-id');
    });
  });

  // OpenAI takes function names of at most 64 characters; Claude Code's MCP tools are often longer (Anthropic: 128).
  it('sends tool names longer than 64 characters shortened, the same in tools, tool choice and history', () => {
    const long = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
    const request: CanonicalRequest = {
      stream: false,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'comments?' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: long, arguments: '{}' }, { type: 'tool-call', id: 'c2', name: 'Read', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [{ type: 'text', text: 'none' }] }, { type: 'tool-result', toolCallId: 'c2', content: [{ type: 'text', text: 'ok' }] }] },
      ],
      tools: [{ name: long, parameters: { type: 'object' } }, { name: 'Read', parameters: { type: 'object' } }],
      toolChoice: { type: 'tool', name: long },
    };
    const body = translateRequest(request, target);
    const tools = body.tools as { function: { name: string } }[];
    const short = tools[0]!.function.name;
    expect(short).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(tools[1]!.function.name).toBe('Read');
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: short } });
    expect(body.messages[1]).toMatchObject({ tool_calls: [{ id: 'c1', function: { name: short } }, { id: 'c2', function: { name: 'Read' } }] });
    expect(JSON.stringify(body)).not.toContain(long);
  });
});
