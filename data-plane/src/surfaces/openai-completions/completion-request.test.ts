import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { DEFAULT_MAX_TOKENS, parseCompletionRequest } from './completion-request.js';

const parse = (body: unknown) => parseCompletionRequest(Buffer.from(JSON.stringify(body)));
/** The 400 of a body, at parsing or, for what only a translated model cannot take, at its translation. */
const refusal = (body: unknown): HttpError => {
  try {
    void parse(body).canonical;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a 400');
};

describe('parseCompletionRequest', () => {
  it('turns the prompt into one user message, with OpenAI’s default of 16 max tokens', () => {
    const parsed = parse({ model: 'm', prompt: 'Say hi' });
    expect(parsed).toMatchObject({ model: 'm', stream: false, includeUsage: false, user: null });
    expect(parsed.canonical).toEqual({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hi' }] }],
      stream: false,
      maxOutputTokens: DEFAULT_MAX_TOKENS,
    });
    expect(DEFAULT_MAX_TOKENS).toBe(16);
  });

  it('maps sampling parameters, a single stop string, the end user, and carries unknown fields through', () => {
    const parsed = parse({
      model: 'm', prompt: ['only one'], max_tokens: 5, temperature: 0.2, top_p: 0.9, stop: '\n', seed: 7,
      frequency_penalty: 0.1, presence_penalty: -0.1, user: 'u1', logit_bias: { '50256': -100 }, n: 1, best_of: 1,
      echo: false, suffix: null, stream: true, stream_options: { include_usage: true },
    });
    expect(parsed).toMatchObject({ stream: true, includeUsage: true, user: 'u1' });
    expect(parsed.canonical).toEqual({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'only one' }] }],
      stream: true,
      maxOutputTokens: 5,
      temperature: 0.2,
      topP: 0.9,
      stop: ['\n'],
      seed: 7,
      frequencyPenalty: 0.1,
      presencePenalty: -0.1,
      user: 'u1',
      passthrough: { protocol: 'openai-completions', fields: { logit_bias: { '50256': -100 } } },
    });
  });

  it('asks for include_usage only on streamed requests', () => {
    expect(parse({ model: 'm', prompt: 'x', stream_options: { include_usage: true } }).includeUsage).toBe(false);
  });

  it.each([
    [{ prompt: 'x' }, 'missing_required_parameter', 'model'],
    [{ model: 'm' }, 'missing_required_parameter', 'prompt'],
    [{ model: 'm', prompt: 3 }, 'invalid_value', 'prompt'],
    [{ model: 'm', prompt: [] }, 'unsupported_value', 'prompt'],
    [{ model: 'm', prompt: ['a', 'b'] }, 'unsupported_value', 'prompt'],
    [{ model: 'm', prompt: [1, 2, 3] }, 'unsupported_value', 'prompt'],
    [{ model: 'm', prompt: [[1, 2], [3]] }, 'unsupported_value', 'prompt'],
    [{ model: 'm', prompt: [{ text: 'x' }] }, 'invalid_value', 'prompt.0'],
    [{ model: 'm', prompt: 'x', suffix: 'end' }, 'unsupported_parameter', 'suffix'],
    [{ model: 'm', prompt: 'x', echo: true }, 'unsupported_value', 'echo'],
    [{ model: 'm', prompt: 'x', logprobs: 2 }, 'unsupported_parameter', 'logprobs'],
    [{ model: 'm', prompt: 'x', n: 2 }, 'unsupported_value', 'n'],
    [{ model: 'm', prompt: 'x', best_of: 3 }, 'unsupported_value', 'best_of'],
    [{ model: 'm', prompt: 'x', max_tokens: 0 }, 'invalid_value', 'max_tokens'],
  ])('refuses %j with a 400 %s naming %s', (body, code, param) => {
    const err = refusal(body);
    expect(err.status).toBe(400);
    expect(err.toBody().error).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it('says why token arrays and several prompts are refused', () => {
    expect(refusal({ model: 'm', prompt: [1, 2] }).message).toMatch(/token arrays/i);
    expect(refusal({ model: 'm', prompt: ['a', 'b'] }).message).toMatch(/one prompt per request \(got 2\)/);
  });

  it('leaves what only the completions endpoint takes to the provider: parsed, refused only when translated', () => {
    for (const body of [{ prompt: ['a', 'b'] }, { prompt: [1, 2, 3] }, { prompt: 'x', echo: true, logprobs: 5 }, { prompt: 'x', n: 3, best_of: 5 }, { prompt: 'x', suffix: 'end' }]) {
      const parsed = parse({ model: 'm', ...body });
      expect(parsed.body).toMatchObject(body);
      expect(() => parsed.canonical, JSON.stringify(body)).toThrow(HttpError);
    }
  });
});
