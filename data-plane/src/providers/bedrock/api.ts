import { withDeploymentHeaders } from '../deployment-headers.js';
import type { ProviderError } from '../../canonical/errors.js';
import type { SecretResolver } from '../../upstream/secrets.js';
import type { ProviderTarget } from '../types.js';
import { signRequest, uriEncode, type AwsCredentials } from './sigv4.js';

/**
 * Where and how to reach Bedrock Runtime for one deployment: the endpoint (the regional one, or `apiBase` for VPC
 * endpoints, proxies and the stand-in), the region that scopes the signature, and the credentials.
 *
 * Authentication is SigV4 with the deployment's AWS credentials (references default to the standard AWS
 * environment variables), or, when the model has an `apiKeyRef`, a Bedrock API key sent as a bearer token.
 * @see https://docs.aws.amazon.com/general/latest/gr/bedrock.html (endpoints)
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html (API keys)
 */

export type BedrockOperation = 'converse' | 'converse-stream' | 'count-tokens';

export const SIGNING_SERVICE = 'bedrock';

const DEFAULT_REFS = {
  accessKeyId: 'env:AWS_ACCESS_KEY_ID',
  secretAccessKey: 'env:AWS_SECRET_ACCESS_KEY',
  sessionToken: 'env:AWS_SESSION_TOKEN',
} as const;

/**
 * `POST {base}/model/{modelId}/{operation}`. The model id is percent-encoded as one path segment: inference profile
 * ids (`us.anthropic.claude-3-5-sonnet-20241022-v2:0`) carry a ':' and ARNs also '/'.
 */
export function operationUrl(target: ProviderTarget, region: string, modelId: string, operation: BedrockOperation): string {
  const base = (target.apiBase ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, '');
  return `${base}/model/${uriEncode(modelId)}/${operation}`;
}

/**
 * The signing region: the model's `region`, else the one in a regional endpoint host or in an ARN model id, else
 * `AWS_REGION` / `AWS_DEFAULT_REGION`.
 */
export function resolveRegion(target: ProviderTarget, secrets: SecretResolver): string {
  if (target.region) return target.region;
  const fromHost = target.apiBase ? /bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(target.apiBase).hostname)?.[1] : undefined;
  if (fromHost) return fromHost;
  const fromArn = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):/.exec(target.providerModel)?.[1];
  if (fromArn) return fromArn;
  const fromEnv = tryResolve(secrets, 'env:AWS_REGION') ?? tryResolve(secrets, 'env:AWS_DEFAULT_REGION');
  if (fromEnv) return fromEnv;
  throw configError(`Bedrock model ${target.name} has no region: set its region (or AWS_REGION on the data plane).`);
}

/**
 * AWS credentials for the deployment. The session token comes from `awsSessionTokenRef` when set; with the default
 * access-key reference it comes from AWS_SESSION_TOKEN when that is set (temporary credentials from the
 * environment); an explicitly configured long-term key never picks up an unrelated session token.
 */
export function resolveCredentials(target: ProviderTarget, secrets: SecretResolver): AwsCredentials {
  const accessKeyId = secrets.resolve(target.awsAccessKeyIdRef ?? DEFAULT_REFS.accessKeyId);
  const secretAccessKey = secrets.resolve(target.awsSecretAccessKeyRef ?? DEFAULT_REFS.secretAccessKey);
  const sessionToken = target.awsSessionTokenRef
    ? secrets.resolve(target.awsSessionTokenRef)
    : target.awsAccessKeyIdRef
      ? undefined
      : tryResolve(secrets, DEFAULT_REFS.sessionToken);
  return { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
}

export interface BedrockHttpRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The URL, the authenticated headers and the body of one Converse call. */
export function bedrockRequest(input: {
  target: ProviderTarget;
  secrets: SecretResolver;
  modelId: string;
  operation: BedrockOperation;
  body: string;
  date?: Date;
}): BedrockHttpRequest {
  const { target, secrets, modelId, operation, body } = input;
  const region = resolveRegion(target, secrets);
  const url = operationUrl(target, region, modelId, operation);
  // Extra headers are signed with the rest.
  const headers = withDeploymentHeaders(target, secrets, {
    'content-type': 'application/json',
    accept: operation === 'converse-stream' ? 'application/vnd.amazon.eventstream' : 'application/json',
  });
  if (target.apiKeyRef) {
    return { url, body, headers: { ...headers, authorization: `Bearer ${secrets.resolve(target.apiKeyRef)}` } };
  }
  const credentials = resolveCredentials(target, secrets);
  return {
    url,
    body,
    headers: signRequest({ method: 'POST', url, headers, body, region, service: SIGNING_SERVICE, credentials, ...(input.date && { date: input.date }) }),
  };
}

function tryResolve(secrets: SecretResolver, ref: string): string | undefined {
  try {
    return secrets.resolve(ref);
  } catch {
    return undefined;
  }
}

function configError(message: string): ProviderError {
  return { status: 500, type: 'api_error', code: 'provider_misconfigured', message, provider: 'bedrock' };
}
