import Anthropic from '@anthropic-ai/sdk';
import { ModelConfig } from '@tollgate/schema';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_STAND_IN_CREDENTIALS, BEDROCK_STAND_IN_REGION, startBedrockStandIn, type BedrockStandIn } from '../../../test/stand-ins/bedrock/server.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../../../test/stand-ins/openai/server.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, KEYS, model } from '../test-support/fixtures.js';
import { secretResolver } from '../upstream/secrets.js';
import { withDeploymentHeaders } from './deployment-headers.js';

const target = (extraHeaders: Record<string, string>) =>
  ModelConfig.parse({ id: 'm', name: 'm', provider: 'openai_compatible', providerModel: 'm', apiBase: 'http://127.0.0.1:1/v1', inputCostPerMillion: 1, outputCostPerMillion: 1, extraHeaders });

describe("a deployment's extra headers", () => {
  const secrets = secretResolver({ APIM_KEY: 'apim-secret-value' });

  it('resolves references, sends other values as they are, and never displaces the provider\'s own headers', () => {
    const own = { 'content-type': 'application/json', authorization: 'Bearer sk-provider' };
    expect(withDeploymentHeaders(target({ 'Ocp-Apim-Subscription-Key': 'env:APIM_KEY', 'X-Title': 'Tollgate', Authorization: 'Bearer other' }), secrets, own)).toEqual({
      'ocp-apim-subscription-key': 'apim-secret-value',
      'x-title': 'Tollgate',
      'content-type': 'application/json',
      authorization: 'Bearer sk-provider',
    });
    expect(withDeploymentHeaders(target({}), secrets, own)).toBe(own);
  });

  it('fails the request naming the reference, not a value, when a reference cannot be resolved', () => {
    expect(() => withDeploymentHeaders(target({ 'X-Key': 'env:NOT_SET' }), secrets, {})).toThrow(expect.objectContaining({ message: expect.stringContaining('env:NOT_SET') }));
  });
});

// Through the gateway: forwarded (OpenAI chat in) and translated (Anthropic Messages in), and signed for Bedrock.
describe('extra headers through the gateway', () => {
  let t: TestDataPlane;
  let standIn: OpenAiStandIn;
  let bedrock: BedrockStandIn;

  beforeAll(async () => {
    process.env.TG_TEST_APIM_KEY = 'apim-0123456789';
    process.env.TG_TEST_HEADERS_AWS_ID = BEDROCK_STAND_IN_CREDENTIALS.accessKeyId;
    process.env.TG_TEST_HEADERS_AWS_SECRET = BEDROCK_STAND_IN_CREDENTIALS.secretAccessKey;
    [standIn, bedrock] = await Promise.all([startOpenAiStandIn({ apiKey: null }), startBedrockStandIn()]);
    const snapshot = fixtureSnapshot();
    const extraHeaders = { 'Ocp-Apim-Subscription-Key': 'env:TG_TEST_APIM_KEY', 'X-Title': 'Tollgate' };
    snapshot.models.push(
      model({ id: 'm70', name: 'behind-apim', provider: 'openai_compatible', providerModel: 'llama', apiBase: standIn.url, extraHeaders }),
      model({
        id: 'm71',
        name: 'nova-behind-proxy',
        provider: 'bedrock',
        providerModel: 'us.amazon.nova-pro-v1:0',
        apiBase: bedrock.url,
        region: BEDROCK_STAND_IN_REGION,
        awsAccessKeyIdRef: 'env:TG_TEST_HEADERS_AWS_ID',
        awsSecretAccessKeyRef: 'env:TG_TEST_HEADERS_AWS_SECRET',
        extraHeaders: { 'X-Title': 'Tollgate' },
      }),
    );
    t = await startTestDataPlane({ snapshot });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([standIn.close(), bedrock.close()]);
  });

  const messages = [{ role: 'user' as const, content: 'headers' }];

  it('reach the upstream on the fast path and behind a translation', async () => {
    const openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'behind-apim', messages });
    const anthropic = new Anthropic({ apiKey: KEYS.full, baseURL: t.baseUrl, maxRetries: 0 });
    await anthropic.messages.create({ model: 'behind-apim', max_tokens: 10, messages });
    expect(standIn.requests.map((r) => [r.path, r.headers['ocp-apim-subscription-key'], r.headers['x-title']])).toEqual([
      ['/v1/chat/completions', 'apim-0123456789', 'Tollgate'],
      ['/v1/chat/completions', 'apim-0123456789', 'Tollgate'],
    ]);
  });

  it('are signed with the rest for Bedrock, which checks the signature', async () => {
    const openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create({ model: 'nova-behind-proxy', messages });
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    const request = bedrock.requests.at(-1)!;
    expect(request.headers['x-title']).toBe('Tollgate');
    expect(String(request.headers.authorization)).toMatch(/SignedHeaders=[^,]*x-title/);
  });
});
