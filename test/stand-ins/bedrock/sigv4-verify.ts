import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Server-side SigV4 verification, as AWS does it, written separately from the data plane's signer so the two check
 * each other (and the official SDK checks this one, in bedrock.stand-in.test.ts). Rebuilds the canonical request
 * from what actually arrived: the raw request line path encoded once more, the query, the headers named in
 * `SignedHeaders`, and the SHA-256 of the body as received.
 */

export interface StandInCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, requests must carry it as `x-amz-security-token`. */
  readonly sessionToken?: string;
}

export type Verification =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string; readonly signedHeaders: readonly string[] }
  | { readonly ok: false; readonly errorType: string; readonly message: string };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;:_-]+), ?Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 5 * 60_000;

export function verifySigV4(input: {
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  credentials: readonly StandInCredentials[];
  service: string;
  now?: Date;
}): Verification {
  const authorization = header(input.headers, 'authorization');
  if (!authorization) return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const match = AUTH.exec(authorization);
  if (!match) {
    return { ok: false, errorType: 'IncompleteSignatureException', message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authorization.slice(0, 40)}` };
  }
  const [, accessKeyId, dateStamp, region, service, signedHeaderList, signature] = match as unknown as [string, string, string, string, string, string, string];
  const credentials = input.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return { ok: false, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (service !== input.service) {
    return { ok: false, errorType: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${input.service}'.` };
  }
  const amzDate = header(input.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(dateStamp)) {
    return { ok: false, errorType: 'IncompleteSignatureException', message: 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.' };
  }
  const signedAt = Date.parse(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const now = (input.now ?? new Date()).getTime();
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return { ok: false, errorType: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is now earlier than the allowed skew.` };
  }
  const signedHeaders = signedHeaderList.split(';');
  // Over HTTP/2 the SDK signs the `:authority` pseudo-header in place of `host`.
  if (!signedHeaders.includes('host') && !signedHeaders.includes(':authority')) return { ok: false, errorType: 'InvalidSignatureException', message: "'Host' must be a 'SignedHeader' in the AWS Authorization." };
  if (credentials.sessionToken !== undefined) {
    if (header(input.headers, 'x-amz-security-token') !== credentials.sessionToken) {
      return { ok: false, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    }
    if (!signedHeaders.includes('x-amz-security-token')) {
      return { ok: false, errorType: 'InvalidSignatureException', message: "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization." };
    }
  }

  const queryAt = input.rawUrl.indexOf('?');
  const path = queryAt === -1 ? input.rawUrl : input.rawUrl.slice(0, queryAt);
  const query = queryAt === -1 ? '' : input.rawUrl.slice(queryAt + 1);
  const canonical = [
    input.method,
    canonicalPath(path),
    canonicalQuery(query),
    signedHeaders.map((name) => `${name}:${(header(input.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaderList,
    createHash('sha256').update(input.body).digest('hex'),
  ].join('\n');
  const scope = `${dateStamp}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(dateStamp).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return {
      ok: false,
      errorType: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true, accessKeyId, region, signedHeaders };
}

/** Non-S3 services sign each path segment percent-encoded again (`%3A` → `%253A`). */
function canonicalPath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  return `/${segments.map(rfc3986).join('/')}`;
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [name = '', value = ''] = pair.split('=');
      return `${rfc3986(decodeURIComponent(name))}=${rfc3986(decodeURIComponent(value))}`;
    })
    .sort()
    .join('&');
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
