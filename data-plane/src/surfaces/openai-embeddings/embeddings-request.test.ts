import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { MAX_INPUTS, parseEmbeddingsRequest } from './embeddings-request.js';

const parse = (body: unknown) => parseEmbeddingsRequest(Buffer.from(JSON.stringify(body)));

describe('parseEmbeddingsRequest', () => {
  it('takes a string or an array of strings, float by default', () => {
    expect(parse({ model: 'm', input: 'hello' })).toEqual({ model: 'm', input: ['hello'], encodingFormat: 'float', dimensions: undefined, user: null, body: { model: 'm', input: 'hello' }, extra: {} });
    const body = { model: 'm', input: ['a', 'b'], encoding_format: 'base64', dimensions: 4, user: 'u' };
    expect(parse(body)).toEqual({ model: 'm', input: ['a', 'b'], encodingFormat: 'base64', dimensions: 4, user: 'u', body, extra: {} });
  });

  it("keeps the fields it does not read for the provider, but not the gateway's metadata", () => {
    const parsed = parse({ model: 'm', input: 'q', input_type: 'query', truncate: 'END', metadata: { tags: ['rag'] }, user: 'u' });
    expect(parsed.extra).toEqual({ input_type: 'query', truncate: 'END' });
  });

  // OpenAI's `input` also takes token ids, one array or an array of them (LangChain's OpenAIEmbeddings sends them).
  it('takes token ids, one input or several', () => {
    expect(parse({ model: 'm', input: [1, 2, 3] }).input).toEqual([[1, 2, 3]]);
    expect(parse({ model: 'm', input: [[1, 2], [3]] }).input).toEqual([[1, 2], [3]]);
  });

  it.each([
    [{ input: 'x' }, 'missing_required_parameter', 'model'],
    [{ model: 'm' }, 'missing_required_parameter', 'input'],
    [{ model: 'm', input: '' }, 'invalid_value', 'input'],
    [{ model: 'm', input: [] }, 'invalid_value', 'input'],
    [{ model: 'm', input: ['a', ''] }, 'invalid_value', 'input.1'],
    [{ model: 'm', input: ['a', { x: 1 }] }, 'invalid_value', 'input.1'],
    [{ model: 'm', input: [1, -2] }, 'invalid_value', 'input'],
    [{ model: 'm', input: [[1, 2], []] }, 'invalid_value', 'input.1'],
    [{ model: 'm', input: [[1, 2], 'a'] }, 'invalid_value', 'input.1'],
    [{ model: 'm', input: [[1.5]] }, 'invalid_value', 'input.0'],
    [{ model: 'm', input: 7 }, 'invalid_value', 'input'],
    [{ model: 'm', input: 'x', encoding_format: 'int8' }, 'invalid_value', 'encoding_format'],
    [{ model: 'm', input: 'x', dimensions: 0 }, 'invalid_value', 'dimensions'],
    [{ model: 'm', input: 'x', dimensions: 1.5 }, 'invalid_value', 'dimensions'],
    [{ model: 'm', input: Array.from({ length: MAX_INPUTS + 1 }, () => 'x') }, 'invalid_value', 'input'],
  ])('refuses %# with a 400 %s naming %s', (body, code, param) => {
    let err: unknown;
    try {
      parse(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    expect((err as HttpError).toBody().error).toMatchObject({ type: 'invalid_request_error', code, param });
  });
});
