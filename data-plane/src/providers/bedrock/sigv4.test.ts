import { describe, expect, it } from 'vitest';
import {
  amzDate,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  sha256Hex,
  signatureHex,
  signRequest,
  stringToSign,
} from './sigv4.js';

/**
 * Known answers from AWS: the SigV4 test suite (get-vanilla, post-vanilla; credentials AKIDEXAMPLE, service
 * "service", 2015-08-30T12:36:00Z) and the S3 "GET object" example of the SigV4 documentation, whose canonical
 * request and string to sign are published step by step.
 * @see https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  date: new Date('2015-08-30T12:36:00Z'),
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('SigV4', () => {
  it('should sign the test suite get-vanilla request to its published signature', () => {
    const headers = signRequest({ ...SUITE, method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '', contentSha256Header: false });
    expect(headers).toEqual({
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  it('should sign the test suite post-vanilla request to its published signature', () => {
    const headers = signRequest({ ...SUITE, method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '', contentSha256Header: false });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
  });

  it('should reproduce the documented S3 GET object example step by step (canonical request, string to sign, signature)', () => {
    const headers = {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': '20130524T000000Z',
    };
    const canonical = canonicalRequest({
      method: 'GET',
      path: '/test.txt',
      query: '',
      headers,
      signedHeaders: Object.keys(headers),
      payloadHash: EMPTY_SHA256,
      doubleEncodePath: false,
    });
    expect(canonical).toBe(
      'GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:' +
        `${EMPTY_SHA256}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY_SHA256}`,
    );
    const scope = credentialScope('20130524T000000Z', 'us-east-1', 's3');
    expect(stringToSign('20130524T000000Z', scope, canonical)).toBe(
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    expect(signatureHex('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524T000000Z', 'us-east-1', 's3', canonical)).toBe(
      'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('should encode a Bedrock model id path a second time in the canonical URI, as every non-S3 service expects', () => {
    expect(canonicalUri('/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse')).toBe('/model/us.anthropic.claude-3-5-sonnet-20241022-v2%253A0/converse');
    expect(canonicalUri('/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse-stream')).toBe(
      '/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fx/converse-stream',
    );
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a/./b/../c//d/')).toBe('/a/c/d/');
    expect(canonicalUri('/a%3Ab', false)).toBe('/a%3Ab');
  });

  it('should sort query parameters by name then value and encode them per RFC 3986', () => {
    expect(canonicalQuery('?Param2=value2&Param1=value1')).toBe('Param1=value1&Param2=value2');
    expect(canonicalQuery('b=2&a=3&a=1&c=%20x*')).toBe('a=1&a=3&b=2&c=%20x%2A');
    expect(canonicalQuery('')).toBe('');
  });

  it('should add x-amz-content-sha256 and sign the session token of temporary credentials', () => {
    const headers = signRequest({
      method: 'POST',
      url: 'https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      region: 'eu-west-1',
      service: 'bedrock',
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
      date: new Date('2024-01-02T03:04:05.678Z'),
    });
    expect(headers['x-amz-content-sha256']).toBe(sha256Hex('{}'));
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/20240102\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it('should format x-amz-date as basic ISO 8601 in UTC, without milliseconds', () => {
    expect(amzDate(new Date('2024-01-02T03:04:05.678Z'))).toBe('20240102T030405Z');
  });
});
