import { describe, expect, it } from 'vitest';
import { bedrockError, errorTypeOf } from './bedrock-error.js';

describe('Bedrock errors → canonical errors', () => {
  it('should read the error type from x-amzn-ErrorType or the body __type', () => {
    expect(errorTypeOf('ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', {})).toBe('ThrottlingException');
    expect(errorTypeOf(undefined, { __type: 'com.amazon.coral.validate#ValidationException' })).toBe('ValidationException');
    expect(errorTypeOf(undefined, {})).toBeUndefined();
  });

  it('should map the error types whose status alone says too little', () => {
    const map = (errorType: string, status: number) => bedrockError({ errorType, status, body: { message: 'm' } });
    expect(map('ModelTimeoutException', 408)).toMatchObject({ status: 504, type: 'timeout_error', code: 'upstream_timeout' });
    expect(map('ServiceQuotaExceededException', 400)).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'quota_exceeded' });
    expect(map('ModelErrorException', 424)).toMatchObject({ status: 502, type: 'api_error', code: 'upstream_error' });
    expect(map('ModelNotReadyException', 429)).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(map('AccessDeniedException', 403)).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect(map('ResourceNotFoundException', 404)).toMatchObject({ status: 404, type: 'not_found_error' });
    expect(map('ServiceUnavailableException', 503)).toMatchObject({ status: 503, type: 'overloaded_error' });
    expect(map('InternalServerException', 500)).toMatchObject({ status: 502, type: 'api_error' });
  });

  it('should say "too many input tokens" is a context-length error, and keep the message with the type', () => {
    expect(bedrockError({ errorType: 'ValidationException', status: 400, body: { message: 'Too many input tokens. Max input tokens: 8192' } })).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      message: 'bedrock: ValidationException: Too many input tokens. Max input tokens: 8192',
      provider: 'bedrock',
    });
    expect(bedrockError({ errorType: undefined, status: 500, body: {}, rawBody: '<html>bad gateway</html>' }).message).toBe('bedrock: <html>bad gateway</html>');
  });
});
