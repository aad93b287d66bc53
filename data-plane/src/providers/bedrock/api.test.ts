import { ModelConfig } from '@tollgate/schema';
import { describe, expect, it } from 'vitest';
import { secretResolver } from '../../upstream/secrets.js';
import { bedrockRequest, operationUrl, resolveCredentials, resolveRegion } from './api.js';

const target = (overrides: Record<string, unknown> = {}) =>
  ModelConfig.parse({ id: 'b', name: 'claude', provider: 'bedrock', providerModel: 'anthropic.claude-3-haiku-20240307-v1:0', inputCostPerMillion: 0, outputCostPerMillion: 0, ...overrides });
const env = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token', MY_KEY: 'AKIDMINE', MY_SECRET: 'my-secret' };

describe('bedrock endpoint, region and credentials', () => {
  it('should build the regional URL with the model id as one encoded path segment, or use apiBase', () => {
    expect(operationUrl(target(), 'eu-central-1', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'converse-stream')).toBe(
      'https://bedrock-runtime.eu-central-1.amazonaws.com/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream',
    );
    expect(operationUrl(target({ apiBase: 'https://vpce-123.bedrock-runtime.us-east-1.vpce.amazonaws.com/' }), 'us-east-1', 'arn:aws:bedrock:us-east-1:1:inference-profile/x', 'converse')).toBe(
      'https://vpce-123.bedrock-runtime.us-east-1.vpce.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse',
    );
  });

  it('should take the region from the model, then the endpoint host, then an ARN, then AWS_REGION, and fail clearly without one', () => {
    const none = secretResolver({});
    expect(resolveRegion(target({ region: 'ap-south-1' }), none)).toBe('ap-south-1');
    expect(resolveRegion(target({ apiBase: 'https://bedrock-runtime-fips.us-west-2.amazonaws.com' }), none)).toBe('us-west-2');
    expect(resolveRegion(target({ providerModel: 'arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.anthropic.x' }), none)).toBe('eu-west-3');
    expect(resolveRegion(target(), secretResolver({ AWS_DEFAULT_REGION: 'sa-east-1' }))).toBe('sa-east-1');
    expect(() => resolveRegion(target(), none)).toThrow(expect.objectContaining({ status: 500, code: 'provider_misconfigured' }));
  });

  it('should take the environment session token only with the environment access key', () => {
    const secrets = secretResolver(env);
    expect(resolveCredentials(target(), secrets)).toEqual({ accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
    expect(resolveCredentials(target({ awsAccessKeyIdRef: 'env:MY_KEY', awsSecretAccessKeyRef: 'env:MY_SECRET' }), secrets)).toEqual({ accessKeyId: 'AKIDMINE', secretAccessKey: 'my-secret' });
    expect(resolveCredentials(target(), secretResolver({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' }))).toEqual({ accessKeyId: 'A', secretAccessKey: 'S' });
    expect(() => resolveCredentials(target({ awsSessionTokenRef: 'env:MISSING' }), secrets)).toThrow(expect.objectContaining({ code: 'provider_credential_missing' }));
  });

  it('should sign every header it sends, or send an API key as a bearer token without signing', () => {
    const signed = bedrockRequest({ target: target({ region: 'us-east-1' }), secrets: secretResolver(env), modelId: 'm', operation: 'converse-stream', body: '{}', date: new Date('2025-01-01T00:00:00Z') });
    expect(signed.headers).toMatchObject({
      accept: 'application/vnd.amazon.eventstream',
      'content-type': 'application/json',
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
      'x-amz-date': '20250101T000000Z',
      'x-amz-security-token': 'env-token',
    });
    expect(signed.headers.authorization).toContain('SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
    const keyed = bedrockRequest({ target: target({ region: 'us-east-1', apiKeyRef: 'env:MY_KEY' }), secrets: secretResolver(env), modelId: 'm', operation: 'converse', body: '{}' });
    expect(keyed.headers).toEqual({ accept: 'application/json', 'content-type': 'application/json', authorization: 'Bearer AKIDMINE' });
  });
});
