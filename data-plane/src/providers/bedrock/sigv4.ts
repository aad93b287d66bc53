import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for request headers (the `Authorization: AWS4-HMAC-SHA256 …` form), enough for
 * Bedrock Runtime without the AWS SDK:
 *
 *   canonical request = method \n canonical URI \n canonical query \n canonical headers \n signed headers \n sha256(body)
 *   string to sign    = AWS4-HMAC-SHA256 \n x-amz-date \n date/region/service/aws4_request \n sha256(canonical request)
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * Every service but S3 encodes each path segment twice: once in the request line (a model id `a:0` is sent as
 * `a%3A0`), once more in the canonical URI (`a%253A0`).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials (STS) carry a session token, sent and signed as `x-amz-security-token`. */
  readonly sessionToken?: string | undefined;
}

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface SignInput {
  readonly method: string;
  readonly url: URL | string;
  /** Headers to send and sign; names in any case. `host` is added from the URL when absent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** Signing time; defaults to now. */
  readonly date?: Date;
  /** Adds `x-amz-content-sha256` (what the SDKs send). Default true. */
  readonly contentSha256Header?: boolean;
}

/**
 * Signs a request: returns the headers to send, lowercased, with `host`, `x-amz-date`, `x-amz-content-sha256`,
 * `x-amz-security-token` (temporary credentials) and `authorization` added. Every header passed in is signed.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const date = amzDate(input.date ?? new Date());
  const payloadHash = sha256Hex(input.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers.host ??= url.host;
  headers['x-amz-date'] = date;
  if (input.contentSha256Header ?? true) headers['x-amz-content-sha256'] = payloadHash;
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;

  const signedHeaders = Object.keys(headers).sort();
  const scope = credentialScope(date, input.region, input.service);
  const canonical = canonicalRequest({ method: input.method, path: url.pathname, query: url.search, headers, signedHeaders, payloadHash });
  const signature = signatureHex(input.credentials.secretAccessKey, date, input.region, input.service, canonical);
  headers.authorization = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}

export interface CanonicalRequestInput {
  readonly method: string;
  /** The path as sent on the request line (already percent-encoded once). */
  readonly path: string;
  /** The query string as sent, with or without the leading '?'. */
  readonly query: string;
  /** Header values by lowercase name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Lowercase names of the headers to sign. */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  /** S3 signs the path as sent; every other service encodes it again. Default true. */
  readonly doubleEncodePath?: boolean;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const names = [...input.signedHeaders].map((n) => n.toLowerCase()).sort();
  const canonicalHeaders = names.map((name) => `${name}:${canonicalHeaderValue(input.headers[name] ?? '')}\n`).join('');
  return [
    input.method.toUpperCase(),
    canonicalUri(input.path, input.doubleEncodePath ?? true),
    canonicalQuery(input.query),
    canonicalHeaders,
    names.join(';'),
    input.payloadHash,
  ].join('\n');
}

/**
 * The path with `.`/`..`/empty segments removed (as the SDK normalises it) and, outside S3, every byte but the
 * unreserved ones percent-encoded again.
 */
export function canonicalUri(path: string, doubleEncode = true): string {
  if (!doubleEncode) return path || '/';
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

/** Parameters sorted by encoded name then value; names and values decoded from the URL, then encoded per RFC 3986. */
export function canonicalQuery(query: string): string {
  const raw = query.startsWith('?') ? query.slice(1) : query;
  if (raw === '') return '';
  const pairs = raw
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const name = eq === -1 ? p : p.slice(0, eq);
      const value = eq === -1 ? '' : p.slice(eq + 1);
      return [uriEncode(decodeComponent(name)), uriEncode(decodeComponent(value))] as const;
    });
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Trims the value and folds runs of spaces into one, as SigV4 asks. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** RFC 3986 encoding: everything but `A-Z a-z 0-9 - . _ ~` as %XX (uppercase), UTF-8. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function credentialScope(amzDateValue: string, region: string, service: string): string {
  return `${amzDateValue.slice(0, 8)}/${region}/${service}/aws4_request`;
}

export function stringToSign(amzDateValue: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDateValue, scope, sha256Hex(canonical)].join('\n');
}

/** The signature of a canonical request, hex. */
export function signatureHex(secretAccessKey: string, amzDateValue: string, region: string, service: string, canonical: string): string {
  const key = signingKey(secretAccessKey, amzDateValue.slice(0, 8), region, service);
  return createHmac('sha256', key).update(stringToSign(amzDateValue, credentialScope(amzDateValue, region, service), canonical)).digest('hex');
}

// The signing key changes once a day per secret, region and service: derive it once, not four HMACs per request.
const signingKeys = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 64;

export function signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Buffer {
  const id = `${dateStamp}\n${region}\n${service}\n${secretAccessKey}`;
  const cached = signingKeys.get(id);
  if (cached) return cached;
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(dateStamp).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const key = createHmac('sha256', kService).update('aws4_request').digest();
  if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
  signingKeys.set(id, key);
  return key;
}

/** `20150830T123600Z` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
