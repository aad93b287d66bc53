import { describe, expect, it } from 'vitest';
import { isContextLengthMessage } from '../../upstream/errors.js';
import { DROP_HINT, mapHttpError, parseDuration, parseErrorBody, retryAfter, streamError } from './errors.js';

describe('OpenAI error reading', () => {
  it("reads OpenAI's error object, and the shapes compatible servers use", () => {
    expect(parseErrorBody('{"error":{"message":"Bad","type":"invalid_request_error","param":null,"code":"x"}}', 400)).toMatchObject({ message: 'Bad', code: 'x', type: 'invalid_request_error' });
    expect(parseErrorBody('{"error":{"code":"429","message":"Azure says wait"}}', 429)).toMatchObject({ message: 'Azure says wait', code: null });
    expect(parseErrorBody('{"error":"model \\"llama3\\" not found"}', 404)).toMatchObject({ message: 'model "llama3" not found', code: null });
    expect(parseErrorBody('{"detail":[{"loc":["body","messages"],"msg":"field required"}]}', 422).message).toBe('body.messages: field required');
    expect(parseErrorBody('{"detail":"Not Found"}', 404).message).toBe('Not Found');
    // Mistral's: pydantic's issues inside `message`; fields it does not know get the way out named.
    const mistral = { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'metadata'], msg: 'Extra inputs are not permitted', input: {} }, { type: 'extra_forbidden', loc: ['body', 'n'], msg: 'Extra inputs are not permitted', input: 2 }] }, type: 'invalid_request_error', param: null, code: null };
    expect(parseErrorBody(JSON.stringify(mistral), 422)).toMatchObject({
      message: `body.metadata: Extra inputs are not permitted; body.n: Extra inputs are not permitted (${DROP_HINT})`,
      type: 'invalid_request_error',
    });
    expect(parseErrorBody('{"message":{"unexpected":true}}', 400).message).toBe('{"unexpected":true}');
    expect(parseErrorBody('{"object":"error","message":"vLLM says no","type":"BadRequestError","code":400}', 400)).toMatchObject({ message: 'vLLM says no', code: null });
    expect(parseErrorBody('<html>Bad Gateway</html>', 502).message).toBe('an HTML page (HTTP 502): Bad Gateway');
    const nginx = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    expect(parseErrorBody(nginx, 502).message).toBe('an HTML page (HTTP 502): 502 Bad Gateway');
    expect(parseErrorBody('', 503).message).toBe('HTTP 503');
  });

  it('finds how long to wait: retry-after, retry-after-ms, then the exhausted x-ratelimit reset', () => {
    expect(retryAfter({ 'retry-after': '20' })).toBe('20');
    expect(retryAfter({ 'retry-after-ms': '1500' })).toBe('1.5');
    expect(retryAfter({ 'x-ratelimit-remaining-requests': '10', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' })).toBe('360');
    expect(retryAfter({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1s' })).toBeUndefined();
  });

  it("parses OpenAI's reset durations", () => {
    expect(parseDuration('20ms')).toBe(0.02);
    expect(parseDuration('1.5s')).toBe(1.5);
    expect(parseDuration('6m0s')).toBe(360);
    expect(parseDuration('1h2m3s')).toBe(3723);
    expect(parseDuration('soon')).toBeUndefined();
  });

  // ggml-org/llama.cpp#15780: its own type, the wording naming the sizes; introduced with code 500, later 400.
  it("recognises llama.cpp's context-size error by its wording and by its type", () => {
    const body = '{"error":{"code":400,"message":"request (4390 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":4390,"n_ctx":4096}}';
    expect(mapHttpError('openai_compatible', 400, {}, body)).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' });
    expect(isContextLengthMessage('the request exceeds the available context size. try increasing the context size or enable context shift')).toBe(true);
    const older = '{"error":{"code":500,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"exceed_context_size_error","n_prompt_tokens":1407,"n_ctx":256}}';
    expect(mapHttpError('openai_compatible', 500, {}, older)).toMatchObject({ status: 400, code: 'context_length_exceeded' });
    expect(mapHttpError('openai_compatible', 500, {}, '{"error":{"code":500,"message":"slot unavailable","type":"server_error"}}')).toMatchObject({ status: 502, code: 'upstream_error' });
    // A redirect (an apiBase on http for an https server) is the deployment's problem, not the client's 3xx.
    expect(mapHttpError('openai_compatible', 301, {}, '')).toMatchObject({ status: 502, code: 'upstream_error', message: "openai_compatible: the provider answered HTTP 301 (a redirect: check the deployment's apiBase)" });
  });

  it("takes an in-stream error's numeric code as its status when it is an HTTP error status (OpenRouter, vLLM)", () => {
    expect(streamError('p', { code: 429, message: 'Rate limit exceeded' })).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(streamError('p', { code: 503, message: 'No endpoints' })).toMatchObject({ status: 503 });
    expect(streamError('p', { code: 200, message: 'odd' })).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(streamError('p', { code: 'rate_limit_exceeded', message: 'slow down' })).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect(streamError('p', 'CUDA out of memory')).toMatchObject({ status: 502, message: 'p: CUDA out of memory' });
  });
});
