import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { parseChatRequest } from './chat-request.js';

const parse = (body: unknown) => parseChatRequest(Buffer.from(JSON.stringify(body)));

/** The 400 a body gets when translated (first access to `canonical`). */
function rejection(body: unknown): HttpError {
  try {
    void parse(body).canonical;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

const user = (...content: unknown[]) => ({ model: 'm', messages: [{ role: 'user', content }] });

describe('OpenAI chat file parts → canonical', () => {
  it('takes a file part with a base64 data URL and its filename as a file part', () => {
    const parsed = parse(user({ type: 'text', text: 'Summarise.' }, { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'report.pdf' } }));
    expect(parsed.canonical.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Summarise.' },
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' }, filename: 'report.pdf' },
        ],
      },
    ]);
  });

  it('takes bare base64 when the filename says the type', () => {
    const parsed = parse(user({ type: 'file', file: { file_data: 'aGVsbG8=', filename: 'notes.TXT' } }));
    expect(parsed.canonical.messages[0]!.content).toEqual([{ type: 'file', source: { kind: 'base64', mediaType: 'text/plain', data: 'aGVsbG8=' }, filename: 'notes.TXT' }]);
  });

  it('answers a file_id with a 400 naming the exact parameter: the gateway stores no files', () => {
    const error = rejection(user({ type: 'text', text: 'x' }, { type: 'file', file: { file_id: 'file-abc123' } }));
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value', param: 'messages[0].content[1].file.file_id' });
    expect(error.message).toMatch(/files are not stored by the gateway/);
  });

  it('answers file parts it cannot read with a 400 naming the parameter', () => {
    expect(rejection(user({ type: 'file', file: { filename: 'a.pdf' } }))).toMatchObject({ code: 'missing_required_parameter', param: 'messages[0].content[0].file.file_data' });
    expect(rejection(user({ type: 'file', file: { file_data: 'JVBERi0xLjQK' } }))).toMatchObject({ param: 'messages[0].content[0].file.file_data', message: expect.stringMatching(/base64 data URL/) });
    expect(rejection(user({ type: 'file', file: 'report.pdf' }))).toMatchObject({ param: 'messages[0].content[0].file' });
    const inSystem = rejection({ model: 'm', messages: [{ role: 'system', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE' } }] }, { role: 'user', content: 'x' }] });
    expect(inSystem).toMatchObject({ param: 'messages[0].content[0].type', message: expect.stringMatching(/only allowed in user messages/) });
  });
});

describe('OpenAI chat image parts → canonical', () => {
  // An image part the schema did not expect was dropped: the model answered as if no image had been sent.
  it('takes image_url as OpenAI defines it, as a bare URL string, and with detail null', () => {
    const url = 'https://example.com/cat.png';
    const images = parse(user({ type: 'image_url', image_url: { url, detail: 'low' } }, { type: 'image_url', image_url: url }, { type: 'image_url', image_url: { url, detail: null } })).canonical.messages[0]!.content;
    expect(images).toEqual([
      { type: 'image', source: { kind: 'url', url }, detail: 'low' },
      { type: 'image', source: { kind: 'url', url } },
      { type: 'image', source: { kind: 'url', url } },
    ]);
  });

  it('answers an image part it cannot read, or an unknown part, with a 400 naming the part', () => {
    expect(rejection(user({ type: 'image_url', image_url: { href: 'x' } }))).toMatchObject({ status: 400, param: 'messages[0].content[0].image_url' });
    expect(rejection(user({ type: 'text', text: 'x' }, { type: 'video_url', video_url: { url: 'https://example.com/a.mp4' } }))).toMatchObject({ status: 400, param: 'messages[0].content[1].type' });
    expect(rejection(user({ type: 'input_audio', input_audio: { data: 'AA' } }))).toMatchObject({ status: 400, param: 'messages[0].content[0].input_audio' });
  });

  // Audio (OpenAI's input_audio) is a file of type audio/<format>: Gemini hears it; providers without audio input say so.
  it('takes input_audio in user messages as an audio file', () => {
    const content = parse(user({ type: 'text', text: 'what is said?' }, { type: 'input_audio', input_audio: { data: 'UklGRg', format: 'wav' } })).canonical.messages[0]!.content;
    expect(content[1]).toEqual({ type: 'file', source: { kind: 'base64', mediaType: 'audio/wav', data: 'UklGRg' } });
  });
});

describe('OpenAI chat allowed_tools → canonical', () => {
  const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });
  const pick = (name: string) => ({ type: 'function', function: { name } });
  const ask = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

  // The SDKs' ChatCompletionAllowedToolChoice: the model may call only some of the tools this turn. It was a 400
  // "Invalid input" for any translated model.
  it('narrows the tools to the allowed ones, with their mode as the choice', () => {
    const body = { ...ask, tools: [fn('a'), fn('b'), fn('c')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [pick('a'), pick('c')] } } };
    const { tools, toolChoice } = parse(body).canonical;
    expect(tools!.map((t) => t.name)).toEqual(['a', 'c']);
    expect(toolChoice).toEqual({ type: 'required' });
  });

  it('answers an allowed tool missing from tools with a 400 naming it', () => {
    const body = { ...ask, tools: [fn('a')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [pick('a'), pick('z')] } } };
    expect(rejection(body)).toMatchObject({ status: 400, param: 'tool_choice.allowed_tools.tools[1]' });
    // Named by its place in the client's list, repeats and all.
    const repeated = { ...body, tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [pick('a'), pick('a'), pick('z')] } } };
    expect(rejection(repeated)).toMatchObject({ status: 400, param: 'tool_choice.allowed_tools.tools[2]', message: expect.stringContaining("'z'") });
  });
});

describe('OpenAI chat parameter checks (translated requests)', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

  it("refuses values outside OpenAI's ranges, naming the parameter, rather than clamping them for another provider", () => {
    expect(rejection({ ...base, temperature: 5 })).toMatchObject({ status: 400, code: 'invalid_value', param: 'temperature', message: "Invalid value for 'temperature': must be at most 2" });
    expect(rejection({ ...base, top_p: 3 })).toMatchObject({ param: 'top_p', message: expect.stringContaining('at most 1') });
    expect(rejection({ ...base, presence_penalty: -3 })).toMatchObject({ param: 'presence_penalty' });
    expect(rejection({ ...base, n: 0 })).toMatchObject({ status: 400, param: 'n' });
    expect(parse({ ...base, temperature: 2, top_p: 0, n: 2 }).canonical).toMatchObject({ temperature: 2, topP: 0 });
  });

  it("gives top_k to targets that sample with it, keeps the client's own value for OpenAI-compatible servers", () => {
    const canonical = parse({ ...base, top_k: 40 }).canonical;
    expect(canonical.topK).toBe(40);
    expect(canonical.passthrough?.fields).toEqual({ top_k: 40 });
    const unlimited = parse({ ...base, top_k: -1 }).canonical;
    expect(unlimited.topK).toBeUndefined();
    expect(unlimited.passthrough?.fields).toEqual({ top_k: -1 });
    expect(rejection({ ...base, top_k: 2.5 })).toMatchObject({ status: 400, param: 'top_k' });
  });

  it('says which response formats there are, instead of "Invalid input"', () => {
    expect(rejection({ ...base, response_format: { type: 'yaml' } })).toMatchObject({
      status: 400,
      param: 'response_format',
      message: "Invalid value for 'response_format': 'yaml' is not a response format. Supported values are: 'json_object', 'json_schema', and 'text'.",
    });
    expect(rejection({ ...base, response_format: { type: 'json_schema' } }).message).toBe("Invalid value for 'response_format': a json_schema response format needs json_schema: { name, schema }.");
    expect(rejection({ ...base, response_format: 'json' }).message).toBe("Invalid value for 'response_format': must be an object with type 'json_object', 'json_schema' or 'text'.");
  });

  it('names nested parameters as OpenAI does, and a nested field left out as missing', () => {
    expect(rejection({ ...base, messages: [{ role: 'wizard', content: 'x' }] })).toMatchObject({ param: expect.stringMatching(/^messages\[0\]/) });
    const noName = rejection({ ...base, tools: [{ type: 'function', function: { parameters: {} } }] });
    expect(noName).toMatchObject({ status: 400, code: 'missing_required_parameter', param: 'tools[0].function.name', message: "Missing required parameter: 'tools[0].function.name'." });
  });
});

describe('OpenAI chat image URLs (translated requests)', () => {
  const image = (url: string) => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url } }] }] });

  it('refuses a data URL that is not base64 or holds nothing, and a string that is no URL, at the exact parameter', () => {
    for (const url of ['data:;base64,', 'data:image/png,abcd', 'data:image/png;base64,', 'not a url', '/tmp/cat.png']) {
      expect(rejection(image(url))).toMatchObject({ status: 400, code: 'invalid_value', param: 'messages[0].content[1].image_url.url' });
    }
  });

  it('takes base64 data URLs and URLs a provider can fetch', () => {
    expect(parse(image('data:image/png;base64,iVBORw0KGgo=')).canonical.messages[0]!.content[1]).toMatchObject({ source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } });
    expect(parse(image('https://example.com/cat.png')).canonical.messages[0]!.content[1]).toMatchObject({ source: { kind: 'url', url: 'https://example.com/cat.png' } });
    expect(parse(image('gs://bucket/cat.png')).canonical.messages[0]!.content[1]).toMatchObject({ source: { kind: 'url' } });
  });
});

