import { upstreamJson } from '../drop-params.js';
import type { ProviderError } from '../../canonical/errors.js';
import { toProviderError } from '../../upstream/errors.js';
import { upstreamRequest } from '../../upstream/http.js';
import type { EmbeddingRequest, EmbeddingResult, ProviderCall } from '../types.js';
import type { UpstreamEndpoint } from './api.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import { openAiHttpError } from './errors.js';
import { OpenAiEmbeddings } from './wire.js';

/**
 * POST /embeddings with float vectors (every compatible server knows `float`; `base64` is OpenAI's), with the
 * request's other fields as sent (the deployment's `defaultParams` fill only what they leave out). Vectors come back
 * in input order whatever order the server listed them in. Failures throw a `ProviderError`.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
export async function embed(provider: string, endpoint: UpstreamEndpoint, request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResult> {
  try {
    return await embedOnce(provider, endpoint, request, call);
  } catch (err) {
    throw toProviderError(err, provider);
  }
}

async function embedOnce(provider: string, endpoint: UpstreamEndpoint, request: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResult> {
  const response = await upstreamRequest({
    url: endpoint.url,
    headers: endpoint.headers,
    body: upstreamJson(call.target, {
      ...request.extra,
      model: call.target.providerModel,
      input: request.input,
      encoding_format: 'float',
      ...(request.dimensions !== undefined && { dimensions: request.dimensions }),
      ...(request.user !== undefined && { user: request.user }),
    }),
    signal: call.signal,
    ...deploymentTimeouts(call.target),
  });
  if (response.statusCode < 200 || response.statusCode >= 300) throw await openAiHttpError(provider, response);
  const parsed = OpenAiEmbeddings.safeParse(await response.body.json());
  if (!parsed.success) {
    throw failure(provider, 'unreadable embeddings response');
  }
  const data = parsed.data.data;
  const vectors = (data.every((d) => typeof d.index === 'number') ? [...data].sort((a, b) => a.index! - b.index!) : data).map((d) => d.embedding);
  if (vectors.length !== request.input.length) {
    throw failure(provider, `${vectors.length} embeddings for ${request.input.length} inputs`);
  }
  return { vectors, inputTokens: parsed.data.usage?.prompt_tokens ?? undefined };
}

function failure(provider: string, detail: string): ProviderError {
  return { status: 502, type: 'api_error', code: 'upstream_error', message: `${provider}: ${detail}`, provider };
}
