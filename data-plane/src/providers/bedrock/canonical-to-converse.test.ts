import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest, Message } from '../../canonical/request.js';
import { LEADING_USER_TEXT } from '../leading-user-turn.js';
import { DOCUMENT_TEXT, EMPTY_TOOL_RESULT, translateRequest } from './canonical-to-converse.js';

const CLAUDE = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const target = (providerModel = CLAUDE) =>
  ModelConfig.parse({ id: 'b', name: 'claude', provider: 'bedrock', providerModel, region: 'us-east-1', inputCostPerMillion: 3, outputCostPerMillion: 15 });
const req = (messages: Message[], extra: Partial<CanonicalRequest> = {}): CanonicalRequest => ({ stream: false, messages, ...extra });
const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

describe('canonical → Converse request', () => {
  it('should collect system messages into system blocks and put a cachePoint after each marked block', () => {
    const { modelId, body } = translateRequest(
      req([
        { role: 'system', content: [{ type: 'text', text: 'You are terse.', cacheControl: { type: 'ephemeral' } }] },
        user('hi'),
        { role: 'system', content: [{ type: 'text', text: 'Late rule.' }, { type: 'text', text: '  ' }] },
      ]),
      target(),
    );
    expect(modelId).toBe(CLAUDE);
    expect(body.system).toEqual([{ text: 'You are terse.' }, { cachePoint: { type: 'default' } }, { text: 'Late rule.' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });

  it('should merge adjacent same-role turns (tool results then user text) so roles alternate, and map tool calls and results', () => {
    const { body } = translateRequest(
      req([
        user('weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Two cities.', signature: 'sig-1' },
            { type: 'reasoning', text: 'unsigned thoughts from another provider' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool-call', id: 'tooluse_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool-call', id: 'tooluse_b', name: 'get_weather', arguments: '' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'tooluse_a', content: [{ type: 'text', text: 'sunny' }] }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'tooluse_b', content: [], isError: true }] },
        user('thanks'),
        { role: 'assistant', content: [{ type: 'reasoning', text: '', redactedData: 'b3BhcXVl' }, { type: 'text', text: 'ok' }] },
      ]),
      target(),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'Two cities.', signature: 'sig-1' } } },
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tooluse_a', name: 'get_weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tooluse_b', name: 'get_weather', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_a', content: [{ text: 'sunny' }] } },
          { toolResult: { toolUseId: 'tooluse_b', content: [{ text: EMPTY_TOOL_RESULT }], status: 'error' } },
          { text: 'thanks' },
        ],
      },
      { role: 'assistant', content: [{ reasoningContent: { redactedContent: 'b3BhcXVl' } }, { text: 'ok' }] },
    ]);
    // The history has tool blocks but the client sent no tools: Converse needs them declared.
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: expect.any(String), inputSchema: { json: { type: 'object' } } } }],
    });
  });

  it('should send images inline from base64 and data: URLs, and refuse URLs it would have to fetch', () => {
    const { body } = translateRequest(
      req([
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, cacheControl: { type: 'ephemeral', ttl: '1h' } },
            { type: 'image', source: { kind: 'url', url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'text', text: 'what is this?' },
          ],
        },
      ]),
      target(),
    );
    expect(body.messages[0]!.content).toEqual([
      { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
      { cachePoint: { type: 'default', ttl: '1h' } },
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
      { text: 'what is this?' },
    ]);
    const remote = req([{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png' } }] }]);
    expect(() => translateRequest(remote, target())).toThrow(expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'image_url_not_supported' }));
    const tiff = req([{ role: 'user', content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/tiff', data: 'AA==' } }] }]);
    expect(() => translateRequest(tiff, target())).toThrow(expect.objectContaining({ status: 400, code: 'unsupported_image_format' }));
  });

  it('should send files as document blocks with a format, a sanitised name unique in the request, and the bytes', () => {
    const pdf = { kind: 'base64' as const, mediaType: 'application/pdf', data: 'JVBERi0xLjQK' };
    const { body } = translateRequest(
      req([
        {
          role: 'user',
          content: [
            { type: 'file', source: pdf, filename: 'Q3_report.final.pdf', cacheControl: { type: 'ephemeral' } },
            { type: 'file', source: pdf, title: 'q3-report-final' },
            { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'Plain notes.' }, title: 'Rapport  été   2024' },
            { type: 'file', source: { kind: 'url', url: 's3://bucket/papers/a.pdf', mediaType: 'application/pdf' }, filename: '報告.pdf' },
            { type: 'text', text: 'Compare them.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'Read', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'file', source: pdf }] }] },
      ]),
      target(),
    );
    expect(body.messages[0]!.content).toEqual([
      { document: { format: 'pdf', name: 'Q3-report-final', source: { bytes: 'JVBERi0xLjQK' } } },
      { cachePoint: { type: 'default' } },
      // Names compare case-insensitively.
      { document: { format: 'pdf', name: 'q3-report-final (2)', source: { bytes: 'JVBERi0xLjQK' } } },
      { document: { format: 'txt', name: 'Rapport ete 2024', source: { bytes: Buffer.from('Plain notes.').toString('base64') } } },
      { document: { format: 'pdf', name: 'Document', source: { s3Location: { uri: 's3://bucket/papers/a.pdf' } } } },
      { text: 'Compare them.' },
    ]);
    // A tool result's document needs a name unique across the whole request too.
    expect(body.messages[2]).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 't1', content: [{ document: { format: 'pdf', name: 'Document (2)', source: { bytes: 'JVBERi0xLjQK' } } }] } }],
    });
  });

  it('should add a text block to a user turn that holds a document and no text, as Converse requires', () => {
    const { body } = translateRequest(req([{ role: 'user', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }] }]), target());
    expect(body.messages).toEqual([{ role: 'user', content: [{ document: { format: 'pdf', name: 'Document', source: { bytes: 'JVBE' } } }, { text: DOCUMENT_TEXT }] }]);
  });

  it('should refuse documents it would have to fetch, and types Converse does not read', () => {
    const remote = req([{ role: 'user', content: [{ type: 'file', source: { kind: 'url', url: 'https://example.com/a.pdf', mediaType: 'application/pdf' } }] }]);
    expect(() => translateRequest(remote, target())).toThrow(expect.objectContaining({ status: 400, type: 'invalid_request_error', code: 'file_url_not_supported', message: expect.stringMatching(/^bedrock: .*does not fetch URLs/) }));
    const json = req([{ role: 'user', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/json', data: 'e30=' } }] }]);
    expect(() => translateRequest(json, target())).toThrow(expect.objectContaining({ status: 400, code: 'unsupported_file_type', message: expect.stringMatching(/application\/json are not supported/) }));
  });

  it('should send earlier tool-call arguments that are not JSON as {} rather than fail the conversation', () => {
    const bad = req([user('x'), { role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'search', arguments: '{"q":' }] }]);
    expect(translateRequest(bad, target()).body.messages[1]!.content).toEqual([{ toolUse: { toolUseId: 't', name: 'search', input: {} } }]);
  });

  it('should put tool results first in a merged user turn, each with its cachePoint, and trim a final assistant prefill', () => {
    const { body } = translateRequest(
      req([
        user('x'),
        { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'a', arguments: '{}' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'here you go' },
            { type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: 'r' }], cacheControl: { type: 'ephemeral' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'The answer is ' }] },
      ]),
      target(),
    );
    expect(body.messages[2]!.content).toEqual([
      { toolResult: { toolUseId: 't1', content: [{ text: 'r' }] } },
      { cachePoint: { type: 'default' } },
      { text: 'here you go' },
    ]);
    expect(body.messages[3]!.content).toEqual([{ text: 'The answer is' }]);
  });

  it('should map tools, tool choice and cache control on tools', () => {
    const tools = [
      { name: 'a', description: 'A tool', parameters: { type: 'object', properties: { x: { type: 'string' } } }, cacheControl: { type: 'ephemeral' as const } },
      { name: 'b', parameters: { type: 'object' }, strict: true },
    ];
    const cases = [
      [{ type: 'auto' }, { auto: {} }],
      [{ type: 'required' }, { any: {} }],
      [{ type: 'tool', name: 'b' }, { tool: { name: 'b' } }],
      [undefined, undefined],
    ] as const;
    for (const [choice, expected] of cases) {
      const { body } = translateRequest(req([user('x')], { tools, ...(choice && { toolChoice: choice }) }), target());
      expect(body.toolConfig).toEqual({
        tools: [
          { toolSpec: { name: 'a', description: 'A tool', inputSchema: { json: tools[0]!.parameters } } },
          { cachePoint: { type: 'default' } },
          { toolSpec: { name: 'b', inputSchema: { json: { type: 'object' } }, strict: true } },
        ],
        ...(expected && { toolChoice: expected }),
      });
    }
  });

  it('should express tool_choice none by leaving the tools out, the history\'s tool calls and results told as text', () => {
    const tools = [{ name: 'a', parameters: { type: 'object' } }];
    expect(translateRequest(req([user('x')], { tools, toolChoice: { type: 'none' } }), target()).body.toolConfig).toBeUndefined();
    const history = (toolChoice: { type: 'none' } | undefined) =>
      req(
        [
          user('x'),
          { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'a', arguments: '{"q":1}' }] },
          { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', isError: true, content: [{ type: 'text', text: 'timed out' }] }] },
        ],
        { tools, ...(toolChoice && { toolChoice }) },
      );
    // Converse demands tools declared while the history holds tool blocks, which would let the model call them.
    const none = translateRequest(history({ type: 'none' }), target()).body;
    expect(none.toolConfig).toBeUndefined();
    expect(none.messages).toEqual([
      { role: 'user', content: [{ text: 'x' }] },
      { role: 'assistant', content: [{ text: '[Called tool a (call t1) with input {"q":1}]' }] },
      { role: 'user', content: [{ text: '[Result of tool call t1, which failed:]' }, { text: 'timed out' }] },
    ]);
    // Any other choice keeps them as tool blocks.
    expect(translateRequest(history(undefined), target()).body.messages[1]).toEqual({ role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'a', input: { q: 1 } } }] });
  });

  it('should map sampling parameters to inferenceConfig and top_k to Anthropic model fields', () => {
    const { body } = translateRequest(req([user('x')], { maxOutputTokens: 300, temperature: 0.2, topP: 0.9, topK: 40, stop: ['END'], seed: 7 }), target());
    expect(body.inferenceConfig).toEqual({ maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ['END'] });
    expect(body.additionalModelRequestFields).toEqual({ top_k: 40 });
    const nova = translateRequest(req([user('x')], { topK: 40 }), target('amazon.nova-pro-v1:0')).body;
    expect(nova.additionalModelRequestFields).toBeUndefined();
    expect(nova.inferenceConfig).toBeUndefined();
    // Converse takes temperature and topP in 0–1 only, for Claude and every other family alike.
    expect(translateRequest(req([user('x')], { temperature: 1.6, stop: [' ', 'END'] }), target()).body.inferenceConfig).toEqual({ temperature: 1, stopSequences: ['END'] });
    expect(translateRequest(req([user('x')], { temperature: 1.6 }), target('mistral.mistral-large-2407-v1:0')).body.inferenceConfig).toEqual({ temperature: 1 });
  });

  it('should turn a reasoning request into Anthropic thinking with a budget that fits under maxTokens, dropping sampling Claude rejects while thinking', () => {
    const effort = translateRequest(req([user('x')], { reasoning: { effort: 'medium' }, temperature: 0.7, topP: 0.5, topK: 10 }), target()).body;
    expect(effort.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 8192 } });
    expect(effort.inferenceConfig).toEqual({ maxTokens: 8192 + 8192, topP: 0.95 });

    // A client limit is never raised (anthropic/thinking.ts `planOutput`): one too small for any budget goes without thinking.
    const small = translateRequest(req([user('x')], { reasoning: { budgetTokens: 2000 }, maxOutputTokens: 500, topP: 0.97 }), target()).body;
    expect(small.additionalModelRequestFields).toBeUndefined();
    expect(small.inferenceConfig).toEqual({ maxTokens: 500, topP: 0.97 });

    const large = translateRequest(req([user('x')], { reasoning: { budgetTokens: 100 }, maxOutputTokens: 5000 }), target()).body;
    expect(large.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(large.inferenceConfig).toEqual({ maxTokens: 5000 });

    expect(translateRequest(req([user('x')], { reasoning: { budgetTokens: 0 } }), target()).body.additionalModelRequestFields).toBeUndefined();
    expect(translateRequest(req([user('x')], { reasoning: { effort: 'high' } }), target('meta.llama3-70b-instruct-v1:0')).body.additionalModelRequestFields).toBeUndefined();
    // Claude 3.5 and older take no thinking (a 400, "does not support thinking"): the effort is left out, the rest kept.
    const older = translateRequest(req([user('x')], { reasoning: { effort: 'high' }, temperature: 0.5 }), target('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).body;
    expect(older.additionalModelRequestFields).toBeUndefined();
    expect(older.inferenceConfig).toEqual({ temperature: 0.5 });
  });

  // Claude on Bedrock follows Anthropic's per-model rules (Bedrock passes the fields to the model): Opus 4.6 thinks
  // adaptively for an effort; Opus 4.7 and later take adaptive thinking only and no sampling parameters, and Opus 4.1
  // and the 4.5 models not temperature and top_p together. Each was a ValidationException for an OpenAI client.
  it('should give each Claude version the thinking and sampling fields it takes', () => {
    const opus47 = translateRequest(req([user('x')], { reasoning: { effort: 'medium' }, temperature: 0.7, topP: 0.9, topK: 10 }), target('global.anthropic.claude-opus-4-7')).body;
    expect(opus47.additionalModelRequestFields).toEqual({ thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect(opus47.inferenceConfig).toEqual({ maxTokens: 8192 + 8192 });
    const budget = translateRequest(req([user('x')], { reasoning: { budgetTokens: 20_000 }, maxOutputTokens: 30_000, temperature: 0.5 }), target('anthropic.claude-mythos-5')).body;
    expect(budget.additionalModelRequestFields).toEqual({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
    expect(budget.inferenceConfig).toEqual({ maxTokens: 30_000 });
    expect(translateRequest(req([user('x')], { temperature: 0.5, topK: 3 }), target('us.anthropic.claude-opus-4-7')).body).not.toHaveProperty('inferenceConfig');

    const opus46 = translateRequest(req([user('x')], { reasoning: { effort: 'low' } }), target('us.anthropic.claude-opus-4-6-v1')).body;
    expect(opus46.additionalModelRequestFields).toEqual({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
    const sonnet45 = translateRequest(req([user('x')], { temperature: 0.7, topP: 0.9 }), target('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).body;
    expect(sonnet45.inferenceConfig).toEqual({ temperature: 0.7 });

    // An OpenAI client's tool loop (no signed thinking to send back): adaptive thinking goes on, a budget cannot.
    const loop: Message[] = [
      user('weather?'),
      { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'w', arguments: '{}' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 't1', content: [{ type: 'text', text: 'sunny' }] }] },
    ];
    const tools = [{ name: 'w', parameters: { type: 'object' } }];
    expect(translateRequest(req(loop, { tools, reasoning: { effort: 'low' } }), target('us.anthropic.claude-opus-4-7')).body.additionalModelRequestFields).toEqual({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
    expect(translateRequest(req(loop, { tools, reasoning: { effort: 'low' } }), target()).body.additionalModelRequestFields).toBeUndefined();
  });

  it('should pass on the Anthropic betas Bedrock serves for that Claude version, and drop the rest', () => {
    const withBetas = (header: string): Partial<CanonicalRequest> => ({
      passthrough: { protocol: 'anthropic-messages', fields: {}, headers: { 'anthropic-beta': header } },
    });
    const claudeCode = withBetas('claude-code-20250219, interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,context-1m-2025-08-07,effort-2025-11-24,interleaved-thinking-2025-05-14');
    const sonnet4 = translateRequest(req([user('x')], claudeCode), target('us.anthropic.claude-sonnet-4-20250514-v1:0')).body;
    expect(sonnet4.additionalModelRequestFields).toEqual({ anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'] });
    // effort is Opus 4.5+ only; Claude 3.5 has neither interleaved thinking nor the 1M window.
    const opus45 = translateRequest(req([user('x')], claudeCode), target('global.anthropic.claude-opus-4-5-20251101-v1:0')).body;
    expect(opus45.additionalModelRequestFields).toEqual({ anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07', 'effort-2025-11-24'] });
    const claude35 = translateRequest(req([user('x')], claudeCode), target('anthropic.claude-3-5-sonnet-20240620-v1:0')).body;
    expect(claude35.additionalModelRequestFields).toBeUndefined();
    // Betas travel with thinking; other model families and other inbound protocols get none.
    const thinking = translateRequest(req([user('x')], { ...claudeCode, reasoning: { budgetTokens: 2000 }, maxOutputTokens: 4000 }), target('us.anthropic.claude-sonnet-4-20250514-v1:0')).body;
    expect(thinking.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2000 }, anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'] });
    expect(translateRequest(req([user('x')], claudeCode), target('amazon.nova-pro-v1:0')).body.additionalModelRequestFields).toBeUndefined();
    const fromOpenAi: Partial<CanonicalRequest> = { passthrough: { protocol: 'openai-chat', fields: {}, headers: { 'anthropic-beta': 'context-1m-2025-08-07' } } };
    expect(translateRequest(req([user('x')], fromOpenAi), target('us.anthropic.claude-sonnet-4-20250514-v1:0')).body.additionalModelRequestFields).toBeUndefined();
  });

  it('should ask for JSON output with a last system instruction carrying the schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    const sys: Message = { role: 'system', content: [{ type: 'text', text: 'Cached prefix.', cacheControl: { type: 'ephemeral' } }] };
    const { body } = translateRequest(req([sys, user('x')], { responseFormat: { type: 'json_schema', name: 'answer', schema } }), target());
    expect(body.system).toEqual([{ text: 'Cached prefix.' }, { cachePoint: { type: 'default' } }, { text: expect.stringContaining(JSON.stringify(schema)) }]);
    expect(translateRequest(req([user('x')], { responseFormat: { type: 'json_object' } }), target()).body.system).toEqual([{ text: expect.stringContaining('single valid JSON object') }]);
    expect(translateRequest(req([user('x')], { responseFormat: { type: 'text' } }), target()).body.system).toBeUndefined();
  });

  it('should start with a user turn of "." a conversation that starts with the assistant, or has no turn at all', () => {
    const sys: Message = { role: 'system', content: [{ type: 'text', text: 'Be kind.' }] };
    const greeting: Message = { role: 'assistant', content: [{ type: 'text', text: 'Hello! How can I help?' }] };
    const greeted = translateRequest(req([sys, greeting, user('Tell me a joke.')]), target('meta.llama3-3-70b-instruct-v1:0')).body;
    expect(LEADING_USER_TEXT).toBe('.');
    expect(greeted.system).toEqual([{ text: 'Be kind.' }]);
    expect(greeted.messages).toEqual([
      { role: 'user', content: [{ text: '.' }] },
      { role: 'assistant', content: [{ text: 'Hello! How can I help?' }] },
      { role: 'user', content: [{ text: 'Tell me a joke.' }] },
    ]);
    // A system prompt alone: the placeholder is the conversation.
    expect(translateRequest(req([sys]), target()).body).toMatchObject({ system: [{ text: 'Be kind.' }], messages: [{ role: 'user', content: [{ text: '.' }] }] });
    // A conversation that starts with the user is left as it is.
    expect(translateRequest(req([sys, user('hi')]), target()).body.messages).toEqual([{ role: 'user', content: [{ text: 'hi' }] }]);
  });

  it('should clamp every model\'s temperature and top_p to Converse\'s 0–1', () => {
    for (const model of ['amazon.nova-pro-v1:0', 'us.meta.llama4-maverick-17b-instruct-v1:0', 'mistral.mistral-large-2407-v1:0']) {
      expect(translateRequest(req([user('x')], { temperature: 1.8, topP: 1.2 }), target(model)).body.inferenceConfig).toEqual({ temperature: 1, topP: 1 });
      expect(translateRequest(req([user('x')], { temperature: -0.5 }), target(model)).body.inferenceConfig).toEqual({ temperature: 0 });
      expect(translateRequest(req([user('x')], { temperature: 0.7, topP: 0.9 }), target(model)).body.inferenceConfig).toEqual({ temperature: 0.7, topP: 0.9 });
    }
  });

  it('should send only the tool choice the model takes, asking for the rest in the system prompt', () => {
    const tools = [{ name: 'get_weather', parameters: { type: 'object' } }, { name: 'get_time', parameters: { type: 'object' } }];
    const send = (model: string, toolChoice: CanonicalRequest['toolChoice']) => translateRequest(req([user('x')], { tools, toolChoice }), target(model)).body;
    const specs = tools.map((t) => ({ toolSpec: { name: t.name, inputSchema: { json: { type: 'object' } } } }));

    // Llama takes no toolChoice: the tools stay, `required` and a named tool become instructions, `auto` is the default.
    const llama = 'us.meta.llama4-maverick-17b-instruct-v1:0';
    expect(send(llama, { type: 'required' })).toMatchObject({ toolConfig: { tools: specs }, system: [{ text: 'Respond by calling one or more of the available tools, not with text.' }] });
    expect(send(llama, { type: 'required' }).toolConfig).not.toHaveProperty('toolChoice');
    const named = send(llama, { type: 'tool', name: 'get_time' });
    expect(named.toolConfig).toEqual({ tools: specs });
    expect(named.system).toEqual([{ text: expect.stringContaining('"get_time"') }]);
    expect(send(llama, { type: 'auto' })).toEqual({ messages: [{ role: 'user', content: [{ text: 'x' }] }], toolConfig: { tools: specs } });

    // Mistral Large takes `any` but not `tool`: a named tool is `any`, and named in the system prompt.
    const large = send('mistral.mistral-large-2407-v1:0', { type: 'tool', name: 'get_time' });
    expect(large.toolConfig).toEqual({ tools: specs, toolChoice: { any: {} } });
    expect(large.system).toEqual([{ text: expect.stringContaining('"get_time"') }]);
    expect(send('mistral.mistral-large-2407-v1:0', { type: 'required' })).toMatchObject({ toolConfig: { toolChoice: { any: {} } } });
    expect(send('mistral.mistral-large-2407-v1:0', { type: 'required' }).system).toBeUndefined();

    // Claude and Nova take all three.
    for (const model of [CLAUDE, 'us.amazon.nova-pro-v1:0']) {
      expect(send(model, { type: 'tool', name: 'get_time' })).toMatchObject({ toolConfig: { toolChoice: { tool: { name: 'get_time' } } } });
      expect(send(model, { type: 'required' })).toMatchObject({ toolConfig: { toolChoice: { any: {} } } });
      expect(send(model, { type: 'required' }).system).toBeUndefined();
    }
  });
});
