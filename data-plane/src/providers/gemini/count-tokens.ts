import { z } from 'zod';
import { upstreamRequest } from '../../upstream/http.js';
import { withoutDropped } from '../drop-params.js';
import type { CanonicalRequest, ProviderCall } from '../types.js';
import { geminiEndpoint } from './api.js';
import { geminiHttpError, geminiMalformedResponse } from './gemini-error.js';
import { translateRequest } from './translate-request.js';

const CountTokensResponse = z.looseObject({ totalTokens: z.number().optional() });

/**
 * Exact input tokens from Gemini's `models/{model}:countTokens`. The request goes as a `generateContentRequest`, so
 * the system instruction and the tool declarations are counted too (plain `contents` would leave them out); only
 * the fields that make up the prompt are sent. Throws a `ProviderError` on failure.
 * @see https://ai.google.dev/api/tokens#method:-models.counttokens
 */
export async function countGeminiTokens(request: CanonicalRequest, call: ProviderCall): Promise<number> {
  const { contents, systemInstruction, tools } = translateRequest(request, call.target);
  const endpoint = geminiEndpoint(call.target, call.secrets, 'countTokens');
  const model = `models/${call.target.providerModel.replace(/^models\//, '')}`;
  const response = await upstreamRequest({
    url: endpoint.url,
    headers: endpoint.headers,
    body: JSON.stringify({ generateContentRequest: withoutDropped({ model, contents, ...(systemInstruction && { systemInstruction }), ...(tools && { tools }) }, call.target.dropParams) }),
    signal: call.signal,
    ...(call.target.timeoutMs !== null && { headersTimeoutMs: call.target.timeoutMs }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 400) throw geminiHttpError(response.statusCode, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw geminiMalformedResponse('countTokens answered with something other than JSON');
  }
  const parsed = CountTokensResponse.safeParse(json);
  if (!parsed.success) throw geminiMalformedResponse('countTokens answered without totalTokens');
  // proto3 JSON leaves out a zero count.
  return parsed.data.totalTokens ?? 0;
}
