import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest, Message } from '../../canonical/request.js';
import { SKIP_THOUGHT_SIGNATURE } from './convert-messages.js';
import { translateRequest } from './translate-request.js';

const target = (providerModel = 'gemini-2.5-flash') =>
  ModelConfig.parse({ id: 'g', name: 'gemini', provider: 'gemini', providerModel, inputCostPerMillion: 1, outputCostPerMillion: 2 });

const translate = (request: Partial<CanonicalRequest> & { messages: readonly Message[] }, model?: string) => translateRequest({ stream: true, ...request }, target(model));

const user = (text: string): Message => ({ role: 'user', content: [{ type: 'text', text }] });

describe('Gemini request translation', () => {
  it('should put every system message into systemInstruction and leave them out of contents', () => {
    const wire = translate({ messages: [{ role: 'system', content: [{ type: 'text', text: 'rule one' }] }, user('hi'), { role: 'system', content: [{ type: 'text', text: 'rule two' }] }] });
    expect(wire.systemInstruction).toEqual({ parts: [{ text: 'rule one' }, { text: 'rule two' }] });
    expect(wire.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }]);
  });

  it('should give a system instruction alone a user turn, as Gemini refuses empty contents', () => {
    const wire = translate({ messages: [{ role: 'system', content: [{ type: 'text', text: 'Write a haiku about tea.' }] }] });
    expect(wire.systemInstruction).toEqual({ parts: [{ text: 'Write a haiku about tea.' }] });
    expect(wire.contents).toEqual([{ role: 'user', parts: [{ text: '.' }] }]);
  });

  it('should send nothing but contents for a bare request', () => {
    expect(translate({ messages: [user('hi')] })).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('should map assistant to model and merge consecutive turns of the same role', () => {
    const wire = translate({
      messages: [user('a'), user('b'), { role: 'assistant', content: [{ type: 'text', text: 'c' }] }, { role: 'assistant', content: [{ type: 'text', text: 'd' }] }, user('e')],
    });
    expect(wire.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ]);
  });

  it('should turn tool calls into functionCall parts and tool results into functionResponse parts named after the call', () => {
    const wire = translate({
      messages: [
        user('weather and time?'),
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'checking' },
            { type: 'tool-call', id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
            { type: 'tool-call', id: 'call_b', name: 'get_time', arguments: '' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_a', content: [{ type: 'text', text: 'sunny' }] }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_b', name: 'get_time', content: [{ type: 'text', text: 'boom' }], isError: true }] },
        user('thanks'),
      ],
    });
    expect(wire.contents).toEqual([
      { role: 'user', parts: [{ text: 'weather and time?' }] },
      { role: 'model', parts: [{ text: 'checking' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }] },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
          { functionResponse: { name: 'get_time', response: { error: 'boom' } } },
          { text: 'thanks' },
        ],
      },
    ]);
  });

  it('should look up the name from the latest earlier call with that id', () => {
    const call = (name: string): Message => ({ role: 'assistant', content: [{ type: 'tool-call', id: 'call_0', name, arguments: '{}' }] });
    const result: Message = { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call_0', content: [{ type: 'text', text: 'r' }] }] };
    const wire = translate({ messages: [user('x'), call('first'), result, call('second'), result] });
    expect(wire.contents.map((c) => c.parts[0]?.functionResponse?.name).filter(Boolean)).toEqual(['first', 'second']);
  });

  it('should send a call id back to Gemini 3 on the functionCall and on its functionResponse, but not one the gateway minted', () => {
    const call = (id: string): Message => ({ role: 'assistant', content: [{ type: 'tool-call', id, name: 'f', arguments: '{}' }] });
    const result = (id: string): Message => ({ role: 'tool', content: [{ type: 'tool-result', toolCallId: id, content: [{ type: 'text', text: 'r' }] }] });
    const ids = (id: string) => {
      const wire = translate({ messages: [user('x'), call(id), result(id)] }, 'gemini-3-flash-preview');
      return [wire.contents[1]!.parts[0]!.functionCall!.id, wire.contents[2]!.parts[0]!.functionResponse!.id];
    };
    expect(ids('ge6xbvr4')).toEqual(['ge6xbvr4', 'ge6xbvr4']);
    expect(ids('call_4162774')).toEqual(['call_4162774', 'call_4162774']);
    // Minted by the response mapper for calls Gemini sent without an id: never Gemini's, so not sent.
    expect(ids('call_0_Zb8laJ2_Ct6cz7IPjo6L4Qc')).toEqual([undefined, undefined]);
    // Earlier models match by name, and their endpoints have refused an id there.
    const older = translate({ messages: [user('x'), call('ge6xbvr4'), result('ge6xbvr4')] }, 'gemini-2.5-flash');
    expect([older.contents[1]!.parts[0]!.functionCall, older.contents[2]!.parts[0]!.functionResponse]).toEqual([{ name: 'f', args: {} }, { name: 'f', response: { output: 'r' } }]);
  });

  it('should reject a tool result whose function cannot be named', () => {
    const messages: Message[] = [user('x'), { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'nowhere', content: [] }] }];
    expect(() => translate({ messages })).toThrow(expect.objectContaining({ status: 400, type: 'invalid_request_error' }));
  });

  it("should send a turn's function responses in the order of the calls before it, a tool's images with its response, unanswered ones and text after", () => {
    const weather = (id: string, city: string): Message['content'][number] => ({ type: 'tool-call', id, name: 'get_weather', arguments: JSON.stringify({ city }) });
    const result = (toolCallId: string, text: string, name?: string): Message['content'][number] => ({ type: 'tool-result', toolCallId, ...(name && { name }), content: [{ type: 'text', text }] });
    const wire = translate({
      messages: [
        user('weather?'),
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, weather('call_0_r1', 'Paris'), weather('call_1_r1', 'London')] },
        {
          role: 'tool',
          content: [
            result('call_9_r0', 'stale', 'get_weather'),
            { type: 'tool-result', toolCallId: 'call_1_r1', content: [{ type: 'text', text: 'rain' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AA' } }] },
            result('call_0_r1', 'sun'),
          ],
        },
        user('warmer?'),
      ],
    });
    expect(wire.contents[2]!.parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { output: 'sun' } } },
      { functionResponse: { name: 'get_weather', response: { output: 'rain' } } },
      { inlineData: { mimeType: 'image/png', data: 'AA' } },
      { functionResponse: { name: 'get_weather', response: { output: 'stale' } } },
      { text: 'warmer?' },
    ]);
  });

  it('should name tools Gemini would refuse by names it takes, in the declarations, the tool choice and the history alike', () => {
    const mcp = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
    const wire = translate({
      messages: [
        user('x'),
        { role: 'assistant', content: [{ type: 'tool-call', id: 'toolu_1', name: mcp, arguments: '{}' }, { type: 'tool-call', id: 'toolu_2', name: '1password_lookup', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'toolu_1', content: [] }, { type: 'tool-result', toolCallId: 'toolu_2', name: '1password_lookup', content: [] }] },
      ],
      tools: [mcp, '1password_lookup', 'files/read', 'Read'].map((name) => ({ name, parameters: { type: 'object' } })),
      toolChoice: { type: 'tool', name: mcp },
    });
    const declared = wire.tools![0]!.functionDeclarations.map((d) => d.name);
    expect(declared.slice(1)).toEqual(['_1password_lookup', 'files_read', 'Read']);
    expect(declared[0]).toMatch(/^mcp__claude_ai_Atlas_[0-9a-f]{10}_.+InlineCommentsWithAllReplies$/);
    expect(declared[0]).toHaveLength(64);
    expect(wire.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [declared[0]] } });
    expect(wire.contents[1]!.parts.map((p) => p.functionCall!.name)).toEqual(declared.slice(0, 2));
    expect(wire.contents[2]!.parts.map((p) => p.functionResponse!.name)).toEqual(declared.slice(0, 2));
  });

  it('should keep arguments that are not a JSON object verbatim instead of failing', () => {
    const wire = translate({ messages: [user('x'), { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'f', arguments: '{"truncated": ' }] }] });
    expect(wire.contents[1]!.parts[0]!.functionCall!.args).toEqual({ arguments: '{"truncated": ' });
  });

  it('should send base64 images as inlineData and URLs as fileData (data URLs inline)', () => {
    const wire = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.JPG?size=2' } },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/render' } },
            { type: 'image', source: { kind: 'url', url: 'data:image/webp;base64,UklGR' } },
            // Media types are case-insensitive, and clients write image/jpg; Gemini takes neither spelling.
            { type: 'image', source: { kind: 'url', url: 'data:IMAGE/PNG;base64,iVBOR' } },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/jpg', data: '/9j/' } },
          ],
        },
      ],
    });
    expect(wire.contents[0]!.parts).toEqual([
      { inlineData: { mimeType: 'image/png', data: 'iVBOR' } },
      { fileData: { fileUri: 'https://example.com/cat.JPG?size=2', mimeType: 'image/jpeg' } },
      { fileData: { fileUri: 'https://example.com/render' } },
      { inlineData: { mimeType: 'image/webp', data: 'UklGR' } },
      { inlineData: { mimeType: 'image/png', data: 'iVBOR' } },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } },
    ]);
  });

  it('should put images a tool returned after its functionResponse', () => {
    const wire = translate({
      messages: [
        user('x'),
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'screenshot', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AA' } }] }] },
      ],
    });
    expect(wire.contents[2]!.parts).toEqual([{ functionResponse: { name: 'screenshot', response: { output: 'here' } } }, { inlineData: { mimeType: 'image/png', data: 'AA' } }]);
  });

  it('should send base64 files as inlineData, file URLs as fileData and text documents as text, in user turns and after a functionResponse', () => {
    const wire = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' }, filename: 'report.pdf', title: 'Q3', citations: true },
            { type: 'file', source: { kind: 'url', url: 'https://example.com/paper.pdf', mediaType: 'application/pdf' } },
            { type: 'file', source: { kind: 'url', url: 'https://example.com/files/notes.pdf?v=2' } },
            { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'Plain notes.' } },
            { type: 'text', text: 'Compare them.' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'read_file', arguments: '{}' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', content: [{ type: 'text', text: 'here' }, { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }] }] },
      ],
    });
    expect(wire.contents[0]!.parts).toEqual([
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQK' } },
      { fileData: { fileUri: 'https://example.com/paper.pdf', mimeType: 'application/pdf' } },
      { fileData: { fileUri: 'https://example.com/files/notes.pdf?v=2', mimeType: 'application/pdf' } },
      { text: 'Plain notes.' },
      { text: 'Compare them.' },
    ]);
    expect(wire.contents[2]!.parts).toEqual([{ functionResponse: { name: 'read_file', response: { output: 'here' } } }, { inlineData: { mimeType: 'application/pdf', data: 'JVBE' } }]);
  });

  it('should return thought signatures on the part that follows them, or the last part when nothing follows', () => {
    const wire = translate({
      messages: [
        user('x'),
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'thinking about it', signature: 'sig-call' },
            { type: 'tool-call', id: 'c1', name: 'f', arguments: '{}' },
            { type: 'tool-call', id: 'c2', name: 'g', arguments: '{}' },
          ],
        },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [] }, { type: 'tool-result', toolCallId: 'c2', content: [] }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'done' },
            { type: 'reasoning', text: '', signature: 'sig-end' },
            { type: 'reasoning', text: '', redactedData: 'opaque-from-elsewhere' },
          ],
        },
      ],
    });
    expect(wire.contents[1]!.parts).toEqual([
      { functionCall: { name: 'f', args: {} }, thoughtSignature: 'sig-call' },
      { functionCall: { name: 'g', args: {} } },
    ]);
    expect(wire.contents[3]!.parts).toEqual([{ text: 'done', thoughtSignature: 'sig-end' }]);
  });

  it("should give a Gemini 3 model turn's first unsigned function call Google's skip-validation signature", () => {
    const messages: Message[] = [user('x'), { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'f', arguments: '{}' }, { type: 'tool-call', id: 'c2', name: 'g', arguments: '{}' }] }];
    const gemini3 = translate({ messages }, 'models/gemini-3-pro-preview');
    expect(gemini3.contents[1]!.parts.map((p) => p.thoughtSignature)).toEqual([SKIP_THOUGHT_SIGNATURE, undefined]);
    const gemini25 = translate({ messages }, 'gemini-2.5-pro');
    expect(gemini25.contents[1]!.parts.map((p) => p.thoughtSignature)).toEqual([undefined, undefined]);
    const signed = translate({ messages: [user('x'), { role: 'assistant', content: [{ type: 'reasoning', text: '', signature: 'real' }, ...messages[1]!.content] }] }, 'gemini-3-flash');
    expect(signed.contents[1]!.parts.map((p) => p.thoughtSignature)).toEqual(['real', undefined]);
  });

  it('should declare tools with their JSON Schema in parametersJsonSchema, without $schema', () => {
    const parameters = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { city: { type: 'string' }, unit: { anyOf: [{ const: 'C' }, { const: 'F' }] } },
      required: ['city'],
      additionalProperties: false,
    };
    const wire = translate({ messages: [user('x')], tools: [{ name: 'get_weather', description: 'Weather now', parameters }, { name: 'noop', parameters: { type: 'object' } }] });
    const { $schema: _dropped, ...kept } = parameters;
    expect(wire.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather now', parametersJsonSchema: kept },
          { name: 'noop', parametersJsonSchema: { type: 'object' } },
        ],
      },
    ]);
  });

  it('should map tool choice to functionCallingConfig modes, only when there are tools', () => {
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    const mode = (toolChoice: CanonicalRequest['toolChoice']) => translate({ messages: [user('x')], tools, toolChoice }).toolConfig;
    expect(mode({ type: 'auto' })).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(mode({ type: 'none' })).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(mode({ type: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(mode({ type: 'tool', name: 'f' })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(mode(undefined)).toBeUndefined();
    expect(translate({ messages: [user('x')], toolChoice: { type: 'auto' } }).toolConfig).toBeUndefined();
  });

  it('should map generation settings and structured output into generationConfig', () => {
    const wire = translate({
      messages: [user('x')],
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stop: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { $schema: 'x', type: 'object', properties: { a: { type: 'number' } } } },
    });
    expect(wire.generationConfig).toEqual({
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { a: { type: 'number' } } },
    });
    expect(translate({ messages: [user('x')], responseFormat: { type: 'json_object' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(translate({ messages: [user('x')], responseFormat: { type: 'text' }, stop: [] }).generationConfig).toBeUndefined();
  });

  it('should ask for thoughts with a thinking budget from the budget or the effort', () => {
    const thinking = (reasoning: CanonicalRequest['reasoning']) => translate({ messages: [user('x')], reasoning }).generationConfig?.thinkingConfig;
    expect(thinking({ budgetTokens: 2048, effort: 'high' })).toEqual({ includeThoughts: true, thinkingBudget: 2048 });
    expect(thinking({ effort: 'minimal' })).toEqual({ includeThoughts: true, thinkingBudget: 512 });
    expect(thinking({ effort: 'low' })).toEqual({ includeThoughts: true, thinkingBudget: 1024 });
    expect(thinking({ effort: 'medium' })).toEqual({ includeThoughts: true, thinkingBudget: 8192 });
    expect(thinking({ effort: 'high' })).toEqual({ includeThoughts: true, thinkingBudget: 24576 });
    expect(thinking({})).toEqual({ includeThoughts: true });
    expect(thinking(undefined)).toBeUndefined();
  });

  it("should clamp a client's thinking budget into the Gemini 2.5 model's range, and leave Gemini 3's as it is", () => {
    const budget = (budgetTokens: number, model: string) => translate({ messages: [user('x')], reasoning: { budgetTokens } }, model).generationConfig?.thinkingConfig?.thinkingBudget;
    // Claude Code's Anthropic `thinking.budget_tokens`.
    expect(budget(31999, 'gemini-2.5-flash')).toBe(24576);
    expect(budget(31999, 'models/gemini-2.5-flash-preview-05-20')).toBe(24576);
    expect(budget(31999, 'gemini-2.5-flash-lite')).toBe(24576);
    expect(budget(31999, 'gemini-2.5-pro')).toBe(31999);
    expect(budget(64000, 'gemini-2.5-pro')).toBe(32768);
    // Below the floor: up to it; 0 stays where it turns thinking off, and 2.5 Pro cannot.
    expect(budget(100, 'gemini-2.5-flash-lite')).toBe(512);
    expect(budget(0, 'gemini-2.5-flash-lite')).toBe(0);
    expect(budget(0, 'gemini-2.5-flash')).toBe(0);
    expect(budget(0, 'gemini-2.5-pro')).toBe(128);
    // -1 is dynamic thinking on every 2.5 model.
    expect(budget(-1, 'gemini-2.5-pro')).toBe(-1);
    // Gemini 3 takes budgets for backwards compatibility, with no documented range.
    expect(budget(31999, 'gemini-3-pro-preview')).toBe(31999);
    expect(budget(64000, 'gemini-3-flash-preview')).toBe(64000);
  });

  it('should turn thinking off where the model can, else keep it to the least the model takes, without thoughts', () => {
    const off = (model: string) => translate({ messages: [user('x')], reasoning: { off: true } }, model).generationConfig;
    expect(off('gemini-2.5-flash')).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(off('gemini-2.5-flash-lite')).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    // 2.5 Pro and Gemini 3 cannot stop thinking (a budget of 0 is a 400): 2.5 Pro's smallest budget, Gemini 3's
    // lowest level (Pro has no MINIMAL).
    expect(off('gemini-2.5-pro')).toEqual({ thinkingConfig: { thinkingBudget: 128 } });
    expect(off('gemini-3-pro-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'LOW' } });
    expect(off('models/gemini-3.1-pro-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'LOW' } });
    expect(off('gemini-3-flash-preview')).toEqual({ thinkingConfig: { thinkingLevel: 'MINIMAL' } });
    expect(off('gemini-3.1-flash-lite')).toEqual({ thinkingConfig: { thinkingLevel: 'MINIMAL' } });
    // Models before 2.5 do not think.
    expect(off('gemini-2.0-flash')).toBeUndefined();
  });
});
