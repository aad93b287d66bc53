import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { ResponseCollector } from '../collect.js';
import { anthropicMessage, toolInput } from './message.js';
import { parseMessagesRequest } from './request.js';
import { toAnthropicStop } from './stop-reason.js';

const parse = (body: unknown, requireMaxTokens = true) =>
  parseMessagesRequest(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { requireMaxTokens });

/** The 400 a body gets when translated, as `status type code: message`. */
function rejection(body: unknown, requireMaxTokens = true): string {
  try {
    void parse(body, requireMaxTokens).canonical;
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return `${err.status} ${err.type} ${err.code}: ${err.message}`;
  }
  throw new Error('expected the body to be rejected');
}

const base = { model: 'claude-x', max_tokens: 100 };

describe('Anthropic Messages request → canonical', () => {
  it('keeps system blocks as one system message with cache_control per block', () => {
    const parsed = parse({
      ...base,
      system: [
        { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Project rules…', cache_control: { type: 'ephemeral', ttl: '1h' } },
        { type: 'text', text: 'uncached tail' },
      ],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(parsed.canonical.messages).toEqual([
      {
        role: 'system',
        content: [
          { type: 'text', text: 'You are Claude Code.', cacheControl: { type: 'ephemeral' } },
          { type: 'text', text: 'Project rules…', cacheControl: { type: 'ephemeral', ttl: '1h' } },
          { type: 'text', text: 'uncached tail' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
    expect(parse({ ...base, system: 'plain', messages: [{ role: 'user', content: 'x' }] }).canonical.messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'plain' }] });
    expect(parse({ ...base, system: '', messages: [{ role: 'user', content: 'x' }] }).canonical.messages).toHaveLength(1);
    // Newer API versions also take system messages inside the conversation; they stay where they are.
    expect(parse({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'system', content: 'late rule' }] }).canonical.messages.map((m) => m.role)).toEqual(['user', 'system']);
  });

  it('splits a user turn that mixes tool results and text into tool messages and a user message, in order', () => {
    const parsed = parse({
      ...base,
      messages: [
        { role: 'user', content: 'weather and time?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {}, cache_control: { type: 'ephemeral' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_2',
              is_error: true,
              cache_control: { type: 'ephemeral' },
              content: [{ type: 'text', text: 'clock broke' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }],
            },
            { type: 'text', text: 'Now summarise.' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' }, cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    expect(parsed.canonical.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather and time?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'toolu_2', name: 'get_time', arguments: '{}', cacheControl: { type: 'ephemeral' } },
        ],
      },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }] },
      {
        role: 'tool',
        content: [{
          type: 'tool-result',
          toolCallId: 'toolu_2',
          isError: true,
          cacheControl: { type: 'ephemeral' },
          content: [{ type: 'text', text: 'clock broke' }, { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }],
        }],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Now summarise.' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' }, cacheControl: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('keeps text written before a tool result before it, and a turn of only results has no user message', () => {
    const parsed = parse({
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'tool_result', tool_use_id: 't1' }, { type: 'text', text: 'last' }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: '' }] },
      ],
    });
    expect(parsed.canonical.messages.map((m) => m.role)).toEqual(['user', 'tool', 'user', 'assistant', 'tool']);
    expect(parsed.canonical.messages[1]).toEqual({ role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: [] }] });
    expect(parsed.canonical.messages[4]).toEqual({ role: 'tool', content: [{ type: 'tool-result', toolCallId: 't2', content: [] }] });
  });

  it('round-trips thinking blocks with their signature and redacted thinking, and who wrote them', () => {
    const parsed = parse({
      ...base,
      messages: [
        { role: 'user', content: 'think' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me see.', signature: 'EqQBCkYIARgCIkD' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va' },
            { type: 'thinking', thinking: 'unsigned (from a non-Anthropic model)', signature: '' },
            { type: 'thinking', thinking: 'Gemini thought.', signature: 'tollgate:gemini:c2ln' },
            { type: 'redacted_thinking', data: 'tollgate-redacted:bedrock:cmVk' },
            { type: 'text', text: 'Answer.' },
          ],
        },
      ],
    });
    const assistant = parsed.canonical.messages[1]!;
    expect(assistant.content).toEqual([
      // Unmarked: Anthropic's own.
      { type: 'reasoning', text: 'Let me see.', signature: 'EqQBCkYIARgCIkD', origin: 'anthropic' },
      { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3va', origin: 'anthropic' },
      { type: 'reasoning', text: 'unsigned (from a non-Anthropic model)' },
      // Tagged by the gateway: the provider's own signature, and the provider.
      { type: 'reasoning', text: 'Gemini thought.', signature: 'c2ln', origin: 'gemini' },
      { type: 'reasoning', text: '', redactedData: 'cmVk', origin: 'bedrock' },
      { type: 'text', text: 'Answer.' },
    ]);

    // …and the same blocks come back out of a response unchanged.
    const collector = new ResponseCollector();
    collector.add({ type: 'reasoning-delta', text: 'Let me ' });
    collector.add({ type: 'reasoning-delta', text: 'see.' });
    collector.add({ type: 'reasoning-signature', signature: 'EqQBCkYIARgCIkD' });
    collector.add({ type: 'reasoning-redacted', data: 'EmwKAhgBEgy3va' });
    collector.add({ type: 'text-delta', text: 'Answer.' });
    const message = anthropicMessage({ id: 'msg_1', model: 'claude-x', provider: 'anthropic', response: collector.response, usage: { input_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } });
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Let me see.', signature: 'EqQBCkYIARgCIkD' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('maps tools, tool_choice, thinking, sampling, stop sequences and metadata.user_id', () => {
    const parsed = parse({
      model: 'claude-x',
      max_tokens: 2048,
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(parsed).toMatchObject({ model: 'claude-x', stream: true, user: 'user-42' });
    const { messages: _messages, ...rest } = parsed.canonical;
    expect(rest).toEqual({
      stream: true,
      maxOutputTokens: 2048,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      user: 'user-42',
      reasoning: { budgetTokens: 1024 },
      toolChoice: { type: 'required' },
      parallelToolCalls: false,
      tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, cacheControl: { type: 'ephemeral' } }],
    });
    const choice = (tool_choice: unknown) => parse({ ...base, tool_choice, messages: [{ role: 'user', content: 'x' }] }).canonical.toolChoice;
    expect(choice({ type: 'auto' })).toEqual({ type: 'auto' });
    expect(choice({ type: 'none' })).toEqual({ type: 'none' });
    expect(choice({ type: 'tool', name: 'get_weather' })).toEqual({ type: 'tool', name: 'get_weather' });
    // Turned off, not left to the target's default: Gemini 2.5 thinks unless told not to.
    expect(parse({ ...base, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'x' }] }).canonical.reasoning).toEqual({ off: true });
    // An effort beside it does not turn it back on (an OpenAI reasoning model would get `reasoning_effort`).
    expect(parse({ ...base, thinking: { type: 'disabled' }, output_config: { effort: 'low' }, messages: [{ role: 'user', content: 'x' }] }).canonical.reasoning).toEqual({ off: true });
    expect(parse({ ...base, output_config: { effort: 'max' }, messages: [{ role: 'user', content: 'x' }] }).canonical.reasoning).toEqual({ effort: 'high' });
  });

  it('carries unknown fields, Anthropic-defined tools and other thinking modes in passthrough for Anthropic targets', () => {
    const tools = [
      { name: 'Read', input_schema: { type: 'object' } },
      { type: 'bash_20250124', name: 'bash', cache_control: { type: 'ephemeral' } },
    ];
    const parsed = parse({
      ...base,
      service_tier: 'auto',
      context_management: { edits: [] },
      thinking: { type: 'adaptive' },
      tools,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(parsed.canonical.passthrough).toEqual({
      protocol: 'anthropic-messages',
      fields: { service_tier: 'auto', context_management: { edits: [] }, tools, thinking: { type: 'adaptive' } },
    });
    // Any other target gets bash as a function tool with its schema.
    expect(parsed.canonical.tools).toEqual([
      { name: 'Read', parameters: { type: 'object' } },
      { name: 'bash', description: expect.stringContaining('bash shell'), parameters: expect.objectContaining({ properties: expect.objectContaining({ command: expect.anything() }) }), cacheControl: { type: 'ephemeral' } },
    ]);
    expect(parsed.canonical).not.toHaveProperty('reasoning');
    expect(parse({ ...base, messages: [{ role: 'user', content: 'x' }] }).canonical).not.toHaveProperty('passthrough');
    expect(parsed.body).toMatchObject({ service_tier: 'auto', model: 'claude-x' });
  });

  it('requires max_tokens for messages but not for count_tokens', () => {
    expect(rejection({ model: 'claude-x', messages: [{ role: 'user', content: 'x' }] })).toBe('400 invalid_request_error missing_required_parameter: max_tokens: Field required');
    expect(parse({ model: 'claude-x', messages: [{ role: 'user', content: 'x' }] }, false).canonical).not.toHaveProperty('maxOutputTokens');
  });

  it('names the offending field the way Anthropic does', () => {
    expect(rejection({ max_tokens: 1, messages: [] })).toBe('400 invalid_request_error missing_required_parameter: model: Field required');
    expect(rejection({ ...base, messages: [] })).toBe('400 invalid_request_error invalid_value: messages: at least one message is required');
    expect(rejection({ ...base, max_tokens: '5', messages: [{ role: 'user', content: 'x' }] })).toMatch(/^400 invalid_request_error invalid_value: max_tokens: /);
    expect(rejection({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', input: {} }] }] }))
      .toBe('400 invalid_request_error missing_required_parameter: messages.1.content.0.name: Field required');
    expect(rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }] }] }))
      .toBe('400 invalid_request_error missing_required_parameter: messages.0.content.0.source.data: Field required');
    expect(rejection({ ...base, system: [{ type: 'text' }], messages: [{ role: 'user', content: 'x' }] })).toBe('400 invalid_request_error missing_required_parameter: system.0.text: Field required');
    expect(rejection({ ...base, messages: [{ role: 'user', content: 5 }] })).toBe('400 invalid_request_error invalid_value: messages.0.content: must be a string or an array of content blocks');
    expect(rejection({ ...base, tool_choice: { type: 'sometimes' }, messages: [{ role: 'user', content: 'x' }] })).toMatch(/^400 .*: tool_choice\.type: /);
    expect(rejection({ ...base, tools: [{ name: 'f' }], messages: [{ role: 'user', content: 'x' }] })).toBe('400 invalid_request_error missing_required_parameter: tools.0.input_schema: Field required');
    expect(rejection({ ...base, thinking: { type: 'enabled' }, messages: [{ role: 'user', content: 'x' }] })).toMatch(/thinking\.budget_tokens: Field required$/);
    // Anthropic's rules for a thinking budget hold for a translated model too.
    const thinking = (budget: number, maxTokens: number) => ({ model: 'claude-x', max_tokens: maxTokens, thinking: { type: 'enabled', budget_tokens: budget }, messages: [{ role: 'user', content: 'x' }] });
    expect(rejection(thinking(100, 4000))).toBe('400 invalid_request_error invalid_value: thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    expect(rejection(thinking(2000, 1000))).toBe('400 invalid_request_error invalid_value: `max_tokens` must be greater than `thinking.budget_tokens`.');
    expect(parse(thinking(1024, 2000)).canonical.reasoning).toEqual({ budgetTokens: 1024 });
    expect(rejection('{"model":')).toBe('400 invalid_request_error invalid_json: We could not parse the JSON body of your request. Send valid JSON.');
    expect(rejection('[1]')).toBe('400 invalid_request_error invalid_value: The request body must be a JSON object.');
  });

  it('takes document blocks (base64 PDF, URL, plain text) in user turns and tool results, with title, context, citations and cache_control', () => {
    const pdf = {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' },
      title: 'Q3 report',
      context: 'Quarterly figures',
      citations: { enabled: true },
      cache_control: { type: 'ephemeral' },
    };
    const parsed = parse({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            pdf,
            { type: 'document', source: { type: 'url', url: 'https://example.com/paper.pdf' } },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Plain notes.' }, citations: { enabled: false } },
            { type: 'text', text: 'Summarise these.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.pdf' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } }] }] },
      ],
    });
    expect(parsed.canonical.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'file',
            source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' },
            title: 'Q3 report',
            context: 'Quarterly figures',
            citations: true,
            cacheControl: { type: 'ephemeral' },
          },
          { type: 'file', source: { kind: 'url', url: 'https://example.com/paper.pdf', mediaType: 'application/pdf' } },
          { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'Plain notes.' }, citations: false },
          { type: 'text', text: 'Summarise these.' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: 'Read', arguments: '{"path":"a.pdf"}' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }] }] },
    ]);
  });

  it('refuses malformed documents, content and file document sources, and other unsupported blocks clearly', () => {
    const user = (block: unknown) => ({ ...base, messages: [{ role: 'user', content: [block] }] });
    expect(rejection(user({ type: 'document', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } })))
      .toMatch(/^400 invalid_request_error invalid_value: messages\.0\.content\.0\.source\.media_type: /);
    expect(rejection(user({ type: 'document', source: { type: 'text', media_type: 'text/plain' } })))
      .toBe('400 invalid_request_error missing_required_parameter: messages.0.content.0.source.data: Field required');
    expect(rejection(user({ type: 'document' }))).toBe('400 invalid_request_error missing_required_parameter: messages.0.content.0.source: Field required');
    expect(rejection(user({ type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'chunk' }] } })))
      .toMatch(/^400 invalid_request_error unsupported_value: messages\.0\.content\.0\.source\.type: document sources of type 'content' are not supported by this gateway; send the text as a 'text' source/);
    expect(rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'file', file_id: 'file_1' } }] }] }] }))
      .toMatch(/^400 .*: messages\.0\.content\.0\.content\.0\.source\.type: document sources of type 'file' are not supported: files are not stored by the gateway/);
    expect(rejection({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] }))
      .toMatch(/messages\.1\.content\.0\.type: content blocks of type 'document' are not supported in assistant messages/);
    expect(rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'thinking', thinking: 'x', signature: 's' }] }] }))
      .toMatch(/messages\.0\.content\.0\.type: content blocks of type 'thinking' are not supported in user messages/);
    expect(rejection({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }))
      .toMatch(/messages\.0\.content\.0\.source\.type: image sources of type 'file' are not supported/);
  });
});

describe('Anthropic response mapping', () => {
  it('maps finish reasons to stop_reason, keeping a raw Anthropic reason that agrees', () => {
    expect(toAnthropicStop({ unified: 'stop', raw: 'stop' })).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(toAnthropicStop({ unified: 'stop', raw: 'stop_sequence', stopSequence: 'END' })).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    expect(toAnthropicStop({ unified: 'length', raw: 'length' })).toEqual({ stop_reason: 'max_tokens', stop_sequence: null });
    expect(toAnthropicStop({ unified: 'length', raw: 'model_context_window_exceeded' }).stop_reason).toBe('model_context_window_exceeded');
    expect(toAnthropicStop({ unified: 'tool-calls', raw: 'tool_calls' }).stop_reason).toBe('tool_use');
    expect(toAnthropicStop({ unified: 'content-filter', raw: 'content_filter' }).stop_reason).toBe('refusal');
    expect(toAnthropicStop({ unified: 'other', raw: 'pause_turn' }).stop_reason).toBe('pause_turn');
    expect(toAnthropicStop({ unified: 'other', raw: 'weird' }).stop_reason).toBe('end_turn');
    expect(toAnthropicStop({ unified: 'stop', raw: 'tool_use' }).stop_reason).toBe('end_turn');
    expect(toAnthropicStop({ unified: 'stop', raw: 'constructor' }).stop_reason).toBe('end_turn');
  });

  it('parses tool input from the argument text; anything but a JSON object becomes {}', () => {
    expect(toolInput('{"city":"Paris","days":[1,2]}')).toEqual({ city: 'Paris', days: [1, 2] });
    expect(toolInput('')).toEqual({});
    expect(toolInput('{"city":')).toEqual({});
    expect(toolInput('[1]')).toEqual({});
    expect(toolInput('null')).toEqual({});
  });
});

describe('Anthropic Messages sampling ranges (translated requests)', () => {
  it("refuses values outside Anthropic's ranges in its words, as Anthropic would, rather than a silent clamp", () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(rejection({ ...base, messages, temperature: 5 })).toBe('400 invalid_request_error invalid_value: temperature: Input should be less than or equal to 1');
    expect(rejection({ ...base, messages, top_p: -0.1 })).toBe('400 invalid_request_error invalid_value: top_p: Input should be greater than or equal to 0');
    expect(parse({ ...base, messages, temperature: 1, top_k: 40 }).canonical).toMatchObject({ temperature: 1 });
  });
});

