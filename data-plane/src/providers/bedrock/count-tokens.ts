import { upstreamJson } from '../drop-params.js';
import { estimatePromptTokens } from '../token-estimate.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import { upstreamRequest } from '../../upstream/http.js';
import type { CanonicalRequest, ProviderCall } from '../types.js';
import { bedrockRequest } from './api.js';
import { bedrockHttpError } from './bedrock-error.js';
import { translateRequest } from './canonical-to-converse.js';
import type { ConverseRequest } from './wire.js';

/**
 * Input tokens as Bedrock counts them (`POST /model/{modelId}/count-tokens`, the request as Converse would get it:
 * messages, system, tools and model fields), for Claude models, which are the ones CountTokens serves; for any other
 * model the local estimate its unreported usage would be billed with. Throws a `ProviderError` when Bedrock fails.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 */
export async function countBedrockTokens(request: CanonicalRequest, call: ProviderCall): Promise<number> {
  if (!call.target.providerModel.includes('anthropic.claude')) return estimatePromptTokens(request.messages, request.tools);
  const wire = translateRequest(request, call.target);
  // The body as Converse would get it (the deployment's dropped and default fields applied), of which CountTokens takes these.
  const sent = JSON.parse(upstreamJson(call.target, wire.body)) as ConverseRequest;
  const converse: Record<string, unknown> = {};
  for (const field of ['messages', 'system', 'toolConfig', 'additionalModelRequestFields'] as const) if (sent[field] !== undefined) converse[field] = sent[field];
  const http = bedrockRequest({ target: call.target, secrets: call.secrets, modelId: wire.modelId, operation: 'count-tokens', body: JSON.stringify({ input: { converse } }) });
  const response = await upstreamRequest({ url: http.url, headers: http.headers, body: http.body, signal: call.signal, ...deploymentTimeouts(call.target) });
  if (response.statusCode < 200 || response.statusCode >= 300) throw await bedrockHttpError(response);
  const json = (await response.body.json().catch(() => undefined)) as { inputTokens?: unknown } | undefined;
  if (typeof json?.inputTokens !== 'number') {
    throw { status: 502, type: 'api_error', code: 'upstream_error', message: 'bedrock: unreadable CountTokens response', provider: 'bedrock' };
  }
  return json.inputTokens;
}
