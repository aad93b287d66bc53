import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { anthropicErrorBody } from './errors.js';

const tooLong = (message: string) => anthropicErrorBody(new HttpError(400, 'invalid_request_error', 'context_length_exceeded', message)).error;

describe("Anthropic's error body", () => {
  it('says a prompt over the window in Anthropic\'s words, with the numbers the provider gave', () => {
    expect(tooLong("openai: This model's maximum context length is 128000 tokens. However, your messages resulted in 130523 tokens. Please reduce the length of the messages.")).toEqual({
      type: 'invalid_request_error',
      message: 'prompt is too long: 130523 tokens > 128000 maximum',
    });
    expect(tooLong("openai_compatible: This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).").message).toBe(
      'prompt is too long: 4000 tokens > 4096 maximum',
    );
    expect(tooLong('gemini: The input token count (1198327) exceeds the maximum number of tokens allowed (1048576).').message).toBe('prompt is too long: 1198327 tokens > 1048576 maximum');
    // The gateway's own check against the deployments' windows.
    expect(tooLong("This request's prompt is about 210000 tokens, more than the context window of every deployment of 'gpt' (largest: 200000 tokens).").message).toBe(
      'prompt is too long: 210000 tokens > 200000 maximum',
    );
    // Claude on Bedrock already says it Anthropic's way; without numbers the provider's words follow.
    expect(tooLong('bedrock: prompt is too long: 210000 tokens > 200000 maximum').message).toBe('prompt is too long: 210000 tokens > 200000 maximum');
    expect(tooLong('bedrock: Input is too long for requested model.').message).toBe('prompt is too long: bedrock: Input is too long for requested model.');
  });

  it("keeps Claude's own words for a prompt and max_tokens over the window, which Claude Code answers with a smaller max_tokens", () => {
    // Claude's message, passed on by a provider that serves Claude (the gateway's prefix before it).
    const claude = 'input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again';
    expect(tooLong(`bedrock: ${claude}`)).toEqual({ type: 'invalid_request_error', message: claude });
  });

  it('leaves other errors as they are', () => {
    expect(anthropicErrorBody(new HttpError(400, 'invalid_request_error', null, 'max_tokens: Field required')).error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' });
  });
});
