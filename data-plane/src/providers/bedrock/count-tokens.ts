import { upstreamJson } from '../drop-params.js';
import { estimatePromptTokens } from '../token-estimate.js';
import { deploymentTimeouts } from '../../upstream/timeouts.js';
import { upstreamRequest } from '../../upstream/http.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { CanonicalRequest, ProviderCall } from '../types.js';
import { bedrockRequest } from './api.js';
import { bedrockHttpError } from './bedrock-error.js';
import { translateRequest } from './canonical-to-converse.js';
import type { ConverseRequest } from './wire.js';

/**
 * Input tokens as Bedrock counts them (`POST /model/{modelId}/count-tokens`, the request as Converse would get it:
 * messages, system, tools and model fields), for Claude models, which are the ones CountTokens serves; otherwise the
 * local estimate an unreported usage would be billed with: for any other model, for an application inference
 * profile (its ARN does not say which model it wraps), and for a Claude model Bedrock says it does not count (some,
 * such as those launched cross-Region only, are not counted on bedrock-runtime). Clients such as Claude Code count
 * before every turn, so a model that cannot be counted must not fail the count. Throws a `ProviderError` when
 * Bedrock fails otherwise (throttled, unauthorised…).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html
 */
export async function countBedrockTokens(request: CanonicalRequest, call: ProviderCall): Promise<number> {
  const estimate = (): number => estimatePromptTokens(request.messages, request.tools);
  const modelId = countingModelId(call.target.providerModel);
  if (modelId === undefined) return estimate();
  const wire = translateRequest(request, call.target);
  // The body as Converse would get it (the deployment's dropped and default fields applied), of which CountTokens takes these.
  const sent = JSON.parse(upstreamJson(call.target, wire.body)) as ConverseRequest;
  const converse: Record<string, unknown> = {};
  for (const field of ['messages', 'system', 'toolConfig', 'additionalModelRequestFields'] as const) if (sent[field] !== undefined) converse[field] = sent[field];
  const http = bedrockRequest({ target: call.target, secrets: call.secrets, modelId, operation: 'count-tokens', body: JSON.stringify({ input: { converse } }) });
  const response = await upstreamRequest({ url: http.url, headers: http.headers, body: http.body, signal: call.signal, ...deploymentTimeouts(call.target) });
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const error = await bedrockHttpError(response);
    if (isNotCountable(error)) return estimate();
    throw error;
  }
  const json = (await response.body.json().catch(() => undefined)) as { inputTokens?: unknown } | undefined;
  if (typeof json?.inputTokens !== 'number') {
    throw { status: 502, type: 'api_error', code: 'upstream_error', message: 'bedrock: unreadable CountTokens response', provider: 'bedrock' };
  }
  return json.inputTokens;
}

/** A system-defined inference profile's ARN: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.…`. */
const INFERENCE_PROFILE_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:inference-profile\/(.+)$/;

/** A cross-Region inference profile's geography before the model id: `us.`, `eu.`, `apac.`, `jp.`, `us-gov.`, `global.`… */
const PROFILE_PREFIX = /^[a-z][a-z-]*\.(?=anthropic\.)/;

/**
 * The model id CountTokens takes for a deployment's model: the foundation model's. CountTokens refuses inference
 * profiles ("The provided model doesn't support counting tokens.", a 400 ValidationException), which is how most
 * deployments name Claude, so a profile id (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`) or a system-defined
 * profile's ARN gives the foundation model it routes to (`anthropic.claude-sonnet-4-5-20250929-v1:0`). Undefined
 * for anything that is not Claude as far as the id says, application inference profiles included.
 */
export function countingModelId(modelId: string): string | undefined {
  const id = (INFERENCE_PROFILE_ARN.exec(modelId)?.[1] ?? modelId).replace(PROFILE_PREFIX, '');
  return id.includes('anthropic.claude') ? id : undefined;
}

/** Bedrock's answer for a model CountTokens does not serve (a 400 ValidationException saying so). */
function isNotCountable(error: ProviderError): boolean {
  return error.status === 400 && /doesn['’]t support counting tokens/i.test(error.message);
}
