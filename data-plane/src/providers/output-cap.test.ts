import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { cappedOutput, outputCapFrom } from './output-cap.js';

const target = (id: string) => ModelConfig.parse({ id, name: id, provider: 'openai', providerModel: 'gpt-4o', inputCostPerMillion: 1, outputCostPerMillion: 1 });
const refusal = (message: string, status = 400) => ({ status, message });

describe("a deployment's output limit, from its refusal", () => {
  it('reads the model\'s own cap as each provider words it, and remembers it for the deployment', () => {
    const cases: Array<[string, number]> = [
      ['openai: max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.', 16_384],
      ['anthropic: max_tokens: 32000 > 8192, which is the maximum allowed number of output tokens for claude-3-5-haiku-20241022', 8_192],
      ['bedrock: The maximum tokens you requested exceeds the model limit of 4096. Try again with a maximum tokens value that is lower than 4096.', 4_096],
      ['openai_compatible: The parameter `max_completion_tokens` specified in the request are not valid: integer above maximum value, expected a value <= 12288, but got 32000 instead.', 12_288],
      ['gemini: Unable to submit request because it has a maxOutputTokens value of 32000 but the supported range is from 1 (inclusive) to 8193 (exclusive). Update the value and try again. (INVALID_ARGUMENT)', 8_192],
    ];
    cases.forEach(([message, cap], i) => {
      const t = target(`fixed-${i}`);
      expect(cappedOutput(t, 32_000)).toBe(32_000);
      expect(outputCapFrom(t, refusal(message), 32_000)).toBe(cap);
      expect(cappedOutput(t, 32_000)).toBe(cap);
      expect(cappedOutput(t, 100)).toBe(100);
    });
  });

  it('reads the room a long prompt leaves in a small context, for this request only', () => {
    const t = target('room');
    const vllm = "openai_compatible: 'max_tokens' or 'max_completion_tokens' is too large: 32000. This model's maximum context length is 40960 tokens and your request has 24235 input tokens (32000 > 40960 - 24235). None";
    expect(outputCapFrom(t, refusal(vllm), 32_000)).toBe(16_725);
    const older = "openai: This model's maximum context length is 8192 tokens. However, you requested 8256 tokens (64 in the messages, 8192 in the completion). Please reduce the length of the messages or completion.";
    expect(outputCapFrom(t, refusal(older), 8_192)).toBe(8_128);
    expect(cappedOutput(t, 32_000)).toBe(32_000);
  });

  it('is no limit for other errors, a cap that would not lower the request, or a prompt that fills the window', () => {
    const t = target('other');
    expect(outputCapFrom(t, refusal('openai: Invalid value for temperature'), 32_000)).toBeUndefined();
    expect(outputCapFrom(t, refusal('openai: max_tokens is too large: 32000. This model supports at most 16384 completion tokens', 429), 32_000)).toBeUndefined();
    expect(outputCapFrom(t, refusal('openai: This model supports at most 16384 completion tokens'), 16_000)).toBeUndefined();
    expect(outputCapFrom(t, refusal("maximum context length is 8192 tokens and your request has 9000 input tokens"), 100)).toBeUndefined();
    expect(cappedOutput(t, 32_000)).toBe(32_000);
  });
});
