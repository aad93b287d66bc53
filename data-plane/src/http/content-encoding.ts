import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import { errors, HttpError } from './errors.js';

/**
 * Request bodies sent compressed (`Content-Encoding`), decoded before anything reads them. Codex compresses its
 * Responses requests with zstd (`enable_request_compression`, on by default, level 3) whenever it believes it talks
 * to OpenAI with ChatGPT sign-in, and other clients send gzip; a long agent conversation is megabytes of JSON, so
 * they do it for a reason. Without this such a body reached the JSON parser as it came and was refused as invalid
 * JSON, with nothing telling the user why.
 *
 * - gzip (and `x-gzip`), deflate (zlib-wrapped as RFC 9110 says, or raw, which some clients send), br and zstd;
 *   several codings are undone in reverse order of application, as RFC 9110 §8.4 lists them; `identity` is none.
 * - The decoded body is held to the same cap as a plain one: decoding stops as soon as it exceeds it (a small
 *   compressed body can expand to gigabytes), and the client gets the usual 413.
 * - A coding the gateway does not know is a 415 with `Accept-Encoding` naming the ones it does (RFC 9110
 *   §15.5.16); a body that does not decode as its coding says is a 400 that names the coding.
 * - gzip, deflate and br are decoded on libuv's thread pool (zlib's async calls), off the event loop; zstd in
 *   JavaScript (fzstd), because Node 20's zlib has no zstd (it does from 22.15, used when present).
 *
 * The upstream gets the decoded JSON, as every other request's (the gateway writes its own request headers).
 */

export const ACCEPTED_ENCODINGS = 'gzip, deflate, br, zstd';

type Decoder = (body: Buffer, maxBytes: number) => Promise<Buffer>;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);
/** Node ≥ 22.15's native zstd; undefined on Node 20. */
const nativeZstd = (zlib as { zstdDecompress?: typeof zlib.gunzip }).zstdDecompress;
const zstdNative = nativeZstd === undefined ? undefined : promisify(nativeZstd);

/** A decoded body larger than the cap (zlib's own error for `maxOutputLength`, or the zstd decoder's below). */
class TooLarge extends Error {}

const DECODERS: Record<string, Decoder> = {
  gzip: (body, maxOutputLength) => gunzip(body, { maxOutputLength }),
  'x-gzip': (body, maxOutputLength) => gunzip(body, { maxOutputLength }),
  // RFC 9110's deflate is the zlib format; some clients send raw deflate under the name, read when zlib's is not.
  deflate: (body, maxOutputLength) =>
    inflate(body, { maxOutputLength }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
      return inflateRaw(body, { maxOutputLength });
    }),
  br: (body, maxOutputLength) => brotli(body, { maxOutputLength }),
  zstd: (body, maxBytes) => (zstdNative ? zstdNative(body, { maxOutputLength: maxBytes }) : Promise.resolve(zstdDecode(body, maxBytes))),
};

/**
 * The body with the codings of `contentEncoding` (the header's value, '' when absent) undone, at most `maxBytes`
 * decoded. Rejects with the client's `HttpError` (413, 415 or 400).
 */
export async function decodeBody(body: Buffer, contentEncoding: string, maxBytes: number): Promise<Buffer> {
  const codings = contentEncoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  for (const coding of codings) if (!(coding in DECODERS)) throw unsupportedEncoding(coding);
  let decoded = body;
  for (const coding of codings.reverse()) {
    try {
      decoded = await DECODERS[coding]!(decoded, maxBytes);
    } catch (err) {
      if (err instanceof TooLarge || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw decodedTooLarge(maxBytes, coding);
      throw undecodable(coding, err);
    }
  }
  return decoded;
}

/** zstd in JavaScript, block by block (at most 128 KiB each), stopping once the output passes `maxBytes`. */
function zstdDecode(body: Buffer, maxBytes: number): Buffer {
  const parts: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdStream((data) => {
    size += data.length;
    if (size > maxBytes) throw new TooLarge();
    parts.push(data);
  });
  stream.push(body, true);
  return Buffer.concat(parts, size);
}

function unsupportedEncoding(coding: string): HttpError {
  const error = new HttpError(
    415,
    'invalid_request_error',
    'unsupported_content_encoding',
    `The request body's Content-Encoding '${coding}' is not supported. Send it uncompressed or encoded as one of: ${ACCEPTED_ENCODINGS}.`,
  );
  error.headers['accept-encoding'] = ACCEPTED_ENCODINGS;
  return error;
}

function decodedTooLarge(maxBytes: number, coding: string): HttpError {
  const error = errors.bodyTooLarge(maxBytes);
  return error.withMessage(`Request body exceeds the limit of ${maxBytes} bytes once decoded (Content-Encoding: ${coding}).`);
}

function undecodable(coding: string, err: unknown): HttpError {
  const reason = err instanceof Error ? err.message : String(err);
  return new HttpError(400, 'invalid_request_error', 'invalid_content_encoding', `We could not decode the request body as ${coding}, as its Content-Encoding says: ${reason}.`);
}
