import { upstreamJson } from '../drop-params.js';
import { cappedOutput, outputCapFrom } from '../output-cap.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { StreamEvent } from '../../canonical/events.js';
import { headerValue, upstreamRequest, type UpstreamResponse } from '../../upstream/http.js';
import { parseSse } from '../../upstream/sse.js';
import type { CanonicalRequest, ProviderCall } from '../types.js';
import { geminiEndpoint } from './api.js';
import { GeminiErrorBody, geminiHttpError, geminiMalformedResponse, geminiStreamError } from './gemini-error.js';
import { GeminiResponse } from './response-schema.js';
import { GeminiResponseMapper } from './response-mapper.js';
import type { GenerateContentRequest } from './wire.js';

/**
 * Calls Gemini and yields canonical events: streamGenerateContent?alt=sse for streaming requests, generateContent
 * otherwise. The client's abort signal goes to the upstream request, so a client that leaves closes the upstream
 * connection at once; an early return from the consumer does the same (the body is destroyed).
 */
export async function* callGemini(given: GenerateContentRequest, call: ProviderCall, request: CanonicalRequest): AsyncGenerator<StreamEvent> {
  const asked = given.generationConfig?.maxOutputTokens;
  const wire = asked === undefined ? given : withOutputLimit(given, cappedOutput(call.target, asked));
  const endpoint = geminiEndpoint(call.target, call.secrets, request.stream ? 'streamGenerateContent' : 'generateContent');
  const response = await upstreamRequest({
    url: endpoint.url,
    headers: endpoint.headers,
    body: upstreamJson(call.target, wire),
    signal: call.signal,
    ...deploymentTimeouts(call.target),
  });
  try {
    if (response.statusCode >= 400) {
      const text = await response.body.text();
      const error = geminiHttpError(response.statusCode, text, headerValue(response.headers, 'retry-after'));
      // More output than the model takes (see output-cap.ts): at once again, with what it takes.
      const limit = wire.generationConfig?.maxOutputTokens;
      const cap = limit === undefined ? undefined : outputCapFrom(call.target, error, limit);
      if (cap !== undefined) {
        yield* callGemini(withOutputLimit(wire, cap), call, request);
        return;
      }
      yield { type: 'error', error };
      return;
    }
    const mapper = new GeminiResponseMapper();
    const records = request.stream ? streamRecords(response) : wholeResponse(response);
    for await (const record of records) {
      const events: StreamEvent[] = record.ok ? mapper.push(record.response) : [{ type: 'error', error: record.error }];
      yield* events;
      if (!record.ok || mapper.done) return;
    }
    yield* mapper.end();
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
}

/** `wire` asking for at most `maxOutputTokens`. */
function withOutputLimit(wire: GenerateContentRequest, maxOutputTokens: number): GenerateContentRequest {
  const config = wire.generationConfig;
  if (config === undefined || config.maxOutputTokens === maxOutputTokens) return wire;
  return { ...wire, generationConfig: { ...config, maxOutputTokens } };
}

type ParsedRecord = { readonly ok: true; readonly response: GeminiResponse } | { readonly ok: false; readonly error: ProviderError };

async function* streamRecords(response: UpstreamResponse): AsyncGenerator<ParsedRecord> {
  for await (const event of parseSse(response.body)) yield parseRecord(event.data);
}

async function* wholeResponse(response: UpstreamResponse): AsyncGenerator<ParsedRecord> {
  yield parseRecord(await response.body.text());
}

/** One JSON record, zod-checked; an error record or a record that is not Gemini's shape becomes an error. */
function parseRecord(text: string): ParsedRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: geminiMalformedResponse(`not JSON: ${text.slice(0, 200)}`) };
  }
  const error = GeminiErrorBody.safeParse(json);
  if (error.success) return { ok: false, error: geminiStreamError(error.data) };
  const parsed = GeminiResponse.safeParse(json);
  if (!parsed.success) return { ok: false, error: geminiMalformedResponse(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')) };
  return { ok: true, response: parsed.data };
}
