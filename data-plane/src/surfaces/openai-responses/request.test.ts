import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { parseResponsesRequest } from './request.js';

const parse = (body: unknown) => parseResponsesRequest(Buffer.from(JSON.stringify(body)));

/** Routing fields are checked at parse time, the rest when translating (first access to `canonical`). */
function rejection(body: unknown): HttpError {
  try {
    void parse(body).canonical;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('parseResponsesRequest', () => {
  it('turns a string input into one user message and instructions into a leading system message', () => {
    const parsed = parse({ model: 'm', input: 'hi', instructions: 'be brief', user: 'u-1' });
    expect(parsed).toMatchObject({ model: 'm', stream: false, user: 'u-1' });
    expect(parsed.canonical).toEqual({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'be brief' }] },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ],
      stream: false,
      user: 'u-1',
    });
  });

  it('maps message items with every content part it supports, system and developer to system', () => {
    const parsed = parse({
      model: 'm',
      input: [
        { role: 'developer', content: 'dev rules' },
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'sys' }] },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'look' },
            { type: 'input_image', image_url: 'https://x/cat.png', detail: 'low' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
          ],
        },
        { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'a cat', annotations: [] }, { type: 'refusal', refusal: 'no more' }] },
      ],
    });
    expect(parsed.canonical.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'dev rules' }] },
      { role: 'system', content: [{ type: 'text', text: 'sys' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { kind: 'url', url: 'https://x/cat.png' }, detail: 'low' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' }, detail: 'auto' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'a cat' }, { type: 'text', text: 'no more' }] },
    ]);
  });

  it('merges a model turn (reasoning, message, function calls) into one assistant message and its outputs into one tool message', () => {
    const parsed = parse({
      model: 'm',
      input: [
        { role: 'user', content: 'weather in Paris and Rome?' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'two cities' }], encrypted_content: 'tollgate:anthropic:c2ln' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_a', output: '18C' },
        { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '21C' }] },
        { type: 'reasoning', summary: [], encrypted_content: 'tollgate-redacted:anthropic:b3BhcXVl' },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(parsed.canonical.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'two cities', signature: 'c2ln', origin: 'anthropic' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'call_a', name: 'weather', content: [{ type: 'text', text: '18C' }] },
          { type: 'tool-result', toolCallId: 'call_b', name: 'weather', content: [{ type: 'text', text: '21C' }] },
        ],
      },
      { role: 'assistant', content: [{ type: 'reasoning', text: '', redactedData: 'b3BhcXVl', origin: 'anthropic' }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
  });

  it('maps tools, tool_choice, text.format, reasoning and sampling parameters', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const parsed = parse({
      model: 'm',
      input: 'x',
      stream: true,
      tools: [{ type: 'function', name: 'weather', description: 'Weather now', parameters, strict: true }],
      tool_choice: { type: 'function', name: 'weather' },
      parallel_tool_calls: false,
      max_output_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      reasoning: { effort: 'low' },
    });
    expect(parsed.stream).toBe(true);
    expect(parsed.canonical).toMatchObject({
      stream: true,
      tools: [{ name: 'weather', description: 'Weather now', parameters, strict: true }],
      toolChoice: { type: 'tool', name: 'weather' },
      parallelToolCalls: false,
      maxOutputTokens: 300,
      temperature: 0.2,
      topP: 0.9,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      reasoning: { effort: 'low' },
    });
    expect(parsed.canonical.passthrough).toBeUndefined();
    expect(parse({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: 'required' }).canonical.toolChoice).toEqual({ type: 'required' });
    expect(parse({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }).canonical.responseFormat).toEqual({ type: 'json_object' });
  });

  it('narrows the tool list for allowed_tools', () => {
    const tool = (name: string) => ({ type: 'function', name, parameters: { type: 'object' } });
    const parsed = parse({
      model: 'm',
      input: 'x',
      tools: [tool('a'), tool('b'), tool('c')],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'c' }, { type: 'function', name: 'a' }] },
    });
    expect(parsed.canonical.tools?.map((t) => t.name)).toEqual(['a', 'c']);
    expect(parsed.canonical.toolChoice).toEqual({ type: 'required' });
  });

  it('passes unknown fields through, and modelled ones the canonical form cannot fully say, but never store', () => {
    const parsed = parse({
      model: 'm',
      input: 'x',
      store: true,
      metadata: { team: 'a' },
      include: ['reasoning.encrypted_content'],
      service_tier: 'flex',
      text: { format: { type: 'text' }, verbosity: 'low' },
      reasoning: { effort: 'high', summary: 'auto' },
    });
    expect(parsed.canonical.reasoning).toEqual({ effort: 'high' });
    expect(parsed.canonical.passthrough).toEqual({
      protocol: 'openai-responses',
      fields: {
        metadata: { team: 'a' },
        include: ['reasoning.encrypted_content'],
        service_tier: 'flex',
        text: { format: { type: 'text' }, verbosity: 'low' },
        reasoning: { effort: 'high', summary: 'auto' },
      },
    });
    expect(parse({ model: 'm', input: 'x', reasoning: { effort: 'xhigh' } }).canonical).toMatchObject({
      reasoning: { effort: 'high' },
      passthrough: { fields: { reasoning: { effort: 'xhigh' } } },
    });
    expect(parse({ model: 'm', input: 'x', reasoning: { effort: 'none' } }).canonical.reasoning).toEqual({ off: true });
  });

  it("reads encrypted_content Tollgate did not write (OpenAI's own reasoning) as unsigned reasoning", () => {
    const reasoning = (encrypted: string) =>
      parse({ model: 'm', input: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: 'hmm' }], encrypted_content: encrypted }] }).canonical.messages[0]!.content;
    expect(reasoning('gAAAAABpFakeOpenAiFernetToken==')).toEqual([{ type: 'reasoning', text: 'hmm' }]);
    expect(reasoning('tollgate:not-a-provider:c2ln')).toEqual([{ type: 'reasoning', text: 'hmm' }]);
    expect(reasoning('tollgate:gemini:c2ln')).toEqual([{ type: 'reasoning', text: 'hmm', signature: 'c2ln', origin: 'gemini' }]);
  });

  it.each([
    [{ model: 'm', input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id', /keeps no stored responses/],
    [{ model: 'm', input: 'x', prompt: { id: 'pmpt_1', version: '2' } }, 'prompt', /reusable prompts are stored by OpenAI/],
    [{ model: 'm', input: 'x', include: ['message.output_text.logprobs'] }, 'include', /log probabilities/],
    [{ model: 'm', input: 'x', top_logprobs: 3 }, 'top_logprobs', /log probabilities/],
    [{ model: 'm', input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: { type: 'function', name: 'b' } }, 'tool_choice', /function 'b' is not in 'tools'/],
    [{ model: 'm', input: 'x', tool_choice: 'required' }, 'tool_choice', /needs at least one function in 'tools'/],
    [{ model: 'm', input: 'x', conversation: 'conv_1' }, 'conversation', /keeps no stored conversations/],
    [{ model: 'm', input: 'x', background: true }, 'background', /which a model served through a translation does not keep/],
    [{ model: 'm', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools[0].type', /built-in tool 'code_interpreter' is not supported/],
    [{ model: 'm', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'tool_choice.type', /built-in tool 'web_search' is not supported/],
    [{ model: 'm', input: 'x', tool_choice: { type: 'file_search' } }, 'tool_choice.type', /built-in tool 'file_search'/],
    [{ model: 'm', input: 'x', tools: [{ type: 'function' }] }, 'tools[0].name', /expected string/],
    [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0]', /item 'msg_1' is not known/],
    [{ model: 'm', input: [{ type: 'additional_tools', role: 'developer', tools: [] }] }, 'input[0].type', /'additional_tools' are not supported/],
    [{ model: 'm', input: [{ type: 'computer_call_output', call_id: 'c', output: { type: 'computer_screenshot' } }] }, 'input[0].type', /computer use is not supported/],
    [{ model: 'm', input: [{ type: 'shell_call', call_id: 'c', action: {} }] }, 'input[0].action.commands', /expected array/],
    [{ model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens', /integer below minimum value\. Expected a value >= 16, but got 0 instead\./],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].file_id', /uploaded files/],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-1' }] }] }, 'input[0].content[0].file_id', /files are not stored by the gateway/],
    [{ model: 'm', input: [{ type: 'function_call', call_id: 'c', name: 'f' }] }, 'input[0].arguments', /expected string/],
    [{ model: 'm', input: [] }, 'input', /at least one item/],
    [{ model: 'm', input: 'x', reasoning: { effort: 'max' } }, 'reasoning.effort', /.+/],
  ])('refuses %j with a 400 naming %s', (body, param, message) => {
    const error = rejection(body);
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it('names a missing model or input', () => {
    expect(rejection({ input: 'x' }).param).toBe('model');
    expect(rejection({ model: 'm' }).param).toBe('input');
    expect(rejection({ model: 'm', input: 5 })).toMatchObject({ param: 'input', message: "Invalid value for 'input': must be a string or an array of input items" });
    expect(rejection({ model: 'm', input: [] })).toMatchObject({ param: 'input', message: "Invalid value for 'input': must contain at least one item" });
  });
});

describe('Responses sampling ranges (translated requests)', () => {
  it("refuses values outside OpenAI's ranges, naming the parameter", () => {
    expect(rejection({ model: 'm', input: 'hi', temperature: 2.5 })).toMatchObject({ status: 400, param: 'temperature', message: expect.stringContaining('at most 2') });
    expect(rejection({ model: 'm', input: 'hi', top_p: 1.5 })).toMatchObject({ status: 400, param: 'top_p' });
  });
});

