import { describe, expect, it } from 'vitest';
import { convertGeminiUsage } from './convert-gemini-usage.js';
import { geminiHttpError } from './gemini-error.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { GeminiUsageMetadata } from './response-schema.js';

describe('mapGeminiFinishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool-calls'],
    [undefined, true, 'tool-calls'],
    ['MAX_TOKENS', true, 'length'],
    ['CONTINUATION', false, 'length'],
    ['SAFETY', false, 'content-filter'],
    ['RECITATION', false, 'content-filter'],
    ['BLOCKLIST', false, 'content-filter'],
    ['PROHIBITED_CONTENT', false, 'content-filter'],
    ['SPII', false, 'content-filter'],
    ['IMAGE_SAFETY', false, 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'error'],
    ['UNEXPECTED_TOOL_CALL', false, 'error'],
    ['TOO_MANY_TOOL_CALLS', true, 'error'],
    ['LANGUAGE', false, 'other'],
    ['OTHER', false, 'other'],
    ['FINISH_REASON_UNSPECIFIED', false, 'other'],
    ['SOMETHING_NEW', false, 'other'],
  ] as const)('should map %s (tool calls: %s) to %s', (raw, hasToolCalls, unified) => {
    expect(mapGeminiFinishReason(raw, hasToolCalls)).toBe(unified);
  });
});

describe('convertGeminiUsage', () => {
  it('should count thoughts as output and reasoning, and cached tokens as part of the input', () => {
    expect(convertGeminiUsage({ promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 10, thoughtsTokenCount: 5, totalTokenCount: 115 })).toEqual({
      inputTokens: 100,
      outputTokens: 15,
      cacheReadTokens: 60,
      reasoningTokens: 5,
    });
  });

  it('should bill the tool-use prompt (grounding results the model read) as input: totalTokenCount adds it too', () => {
    expect(convertGeminiUsage({ promptTokenCount: 100, toolUsePromptTokenCount: 400, candidatesTokenCount: 10, totalTokenCount: 510 })).toEqual({
      inputTokens: 500,
      outputTokens: 10,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('should read counts Gemini leaves out (proto3 JSON omits zeros) as zero', () => {
    expect(convertGeminiUsage({ promptTokenCount: 9, totalTokenCount: 9 })).toEqual({ inputTokens: 9, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 });
  });

  it('should leave everything unknown without usageMetadata', () => {
    expect(convertGeminiUsage(undefined)).toEqual({ inputTokens: undefined, outputTokens: undefined });
  });

  it('should carry the Google Search queries grounding ran as web searches, with or without usageMetadata, and none when it ran none', () => {
    expect(convertGeminiUsage({ promptTokenCount: 9, totalTokenCount: 9 }, 2)).toEqual({ inputTokens: 9, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0, webSearches: 2 });
    expect(convertGeminiUsage(undefined, 1)).toEqual({ inputTokens: undefined, outputTokens: undefined, webSearches: 1 });
    expect(convertGeminiUsage({ promptTokenCount: 9, totalTokenCount: 9 }, 0)).not.toHaveProperty('webSearches');
  });

  it("should keep the prompt's audio tokens, and the cached content's, apart (promptTokensDetails, cacheTokensDetails by modality)", () => {
    const usage = {
      promptTokenCount: 1_000,
      cachedContentTokenCount: 400,
      candidatesTokenCount: 10,
      totalTokenCount: 1_010,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 200 }, { modality: 'AUDIO', tokenCount: 800 }],
      cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 300 }, { modality: 'TEXT', tokenCount: 100 }],
    };
    expect(convertGeminiUsage(usage)).toEqual({ inputTokens: 1_000, outputTokens: 10, cacheReadTokens: 400, reasoningTokens: 0, audioInputTokens: 800, audioCacheReadTokens: 300 });
    // No audio (or a detail without a count, proto3 JSON's zero): nothing apart.
    expect(convertGeminiUsage({ ...usage, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1_000 }, { modality: 'AUDIO' }], cacheTokensDetails: undefined })).toEqual({
      inputTokens: 1_000,
      outputTokens: 10,
      cacheReadTokens: 400,
      reasoningTokens: 0,
    });
  });

  it('should take modality details it cannot read for none, never failing the answer over a field read only for billing', () => {
    const parsed = GeminiUsageMetadata.parse({ promptTokenCount: 9, totalTokenCount: 9, promptTokensDetails: 'audio' });
    expect(parsed.promptTokensDetails).toBeUndefined();
    expect(convertGeminiUsage(parsed)).toEqual({ inputTokens: 9, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 });
  });
});

describe('geminiHttpError', () => {
  const body = (error: object) => JSON.stringify({ error });

  it("should map Gemini's 400 API_KEY_INVALID to the gateway's failed credential", () => {
    const error = geminiHttpError(400, body({ code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] }));
    expect(error).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_auth_failed' });
  });

  it('should read the retry delay from RetryInfo, preferring a retry-after header', () => {
    const rateLimited = body({ code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' }] });
    expect(geminiHttpError(429, rateLimited)).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 35 });
    expect(geminiHttpError(429, rateLimited, '3')).toMatchObject({ retryAfterSeconds: 3 });
  });

  it('should read an error body wrapped in an array (streaming without alt=sse)', () => {
    expect(geminiHttpError(503, `[${body({ code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' })}]`)).toMatchObject({
      status: 503,
      type: 'overloaded_error',
      message: 'gemini: The model is overloaded. (UNAVAILABLE)',
    });
  });

  it('should keep the start of a body that is not Google JSON', () => {
    expect(geminiHttpError(502, '<html>Bad Gateway</html>')).toMatchObject({ status: 502, type: 'api_error', message: 'gemini: an HTML page (HTTP 502): Bad Gateway' });
    expect(geminiHttpError(502, 'upstream connect error\r\n  or disconnect')).toMatchObject({ message: 'gemini: upstream connect error or disconnect' });
  });

  it("should make Google's own deadline a timeout and a request it cancelled its failure, not the client's", () => {
    const deadline = geminiHttpError(504, body({ code: 504, message: 'Deadline expired before operation could complete.', status: 'DEADLINE_EXCEEDED' }));
    expect(deadline).toMatchObject({ status: 504, type: 'timeout_error', code: 'upstream_timeout' });
    const cancelled = geminiHttpError(499, body({ code: 499, message: 'The operation was cancelled.', status: 'CANCELLED' }));
    expect(cancelled).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_error' });
  });

  it('should keep a 404 for an unknown model', () => {
    expect(geminiHttpError(404, body({ code: 404, message: 'models/gemini-9 is not found for API version v1beta', status: 'NOT_FOUND' }))).toMatchObject({ status: 404, type: 'not_found_error' });
  });
});
