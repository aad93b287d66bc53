import { crc32 } from './crc32.js';

/**
 * The `application/vnd.amazon.eventstream` binary framing (Bedrock ConverseStream, Transcribe, Kinesis...).
 *
 * One message:
 *
 *   | total length u32 | headers length u32 | prelude CRC u32 | headers … | payload … | message CRC u32 |
 *
 * big-endian; the prelude CRC covers the first 8 bytes, the message CRC everything before it. A header is
 * `name length u8, name (UTF-8), value type u8, value` with the value encoded per `HeaderType`.
 *
 * Bedrock's headers: `:message-type` (`event` | `exception` | `error`), then `:event-type` (an event's union
 * member, e.g. `contentBlockDelta`) or `:exception-type` (e.g. `throttlingException`) or `:error-code` and
 * `:error-message`; `:content-type` says what the payload is (`application/json`).
 * @see https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html (the framing, with a diagram)
 * @see https://github.com/smithy-lang/smithy-typescript/tree/main/packages/eventstream-codec (the SDK's codec)
 */

export enum HeaderType {
  BoolTrue = 0,
  BoolFalse = 1,
  Byte = 2,
  Short = 3,
  Integer = 4,
  Long = 5,
  ByteArray = 6,
  String = 7,
  Timestamp = 8,
  Uuid = 9,
}

export type HeaderValue =
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'byte' | 'short' | 'integer'; readonly value: number }
  | { readonly type: 'long'; readonly value: bigint }
  | { readonly type: 'binary'; readonly value: Uint8Array }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'timestamp'; readonly value: Date }
  /** Lowercase hex with dashes. */
  | { readonly type: 'uuid'; readonly value: string };

export type EventStreamHeaders = Readonly<Record<string, HeaderValue>>;

export interface EventStreamMessage {
  readonly headers: EventStreamHeaders;
  readonly payload: Uint8Array;
}

/** Malformed framing: a checksum that does not match, impossible lengths, or a stream cut inside a message. */
export class EventStreamError extends Error {
  override readonly name = 'EventStreamError';
}

const PRELUDE_BYTES = 12;
const CRC_BYTES = 4;
const MIN_MESSAGE_BYTES = PRELUDE_BYTES + CRC_BYTES;
/** AWS limits: 16 MiB per message, 128 KiB of headers. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_HEADERS_BYTES = 128 * 1024;

/** A string header's value, or undefined when absent or of another type. */
export function headerString(message: EventStreamMessage, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

/**
 * Decodes messages from a body arriving in arbitrary chunks: a message split across chunks is reassembled, several
 * messages in one chunk come out one by one. Bytes are copied only when a message straddles chunks. Throws an
 * `EventStreamError` on a checksum mismatch or impossible length (checked as soon as the prelude is in, so garbage
 * fails fast instead of waiting for megabytes that never come) and when the body ends inside a message.
 */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // Bytes needed before the next attempt: a prelude, or the whole message once its prelude has been read.
  let needed = PRELUDE_BYTES;

  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue;
    pending.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingBytes += chunk.byteLength;
    if (pendingBytes < needed) continue;

    const buffer = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    let offset = 0;
    needed = PRELUDE_BYTES;
    while (buffer.length - offset >= PRELUDE_BYTES) {
      const total = checkPrelude(buffer, offset);
      if (buffer.length - offset < total) {
        needed = total;
        break;
      }
      yield decodeMessage(buffer.subarray(offset, offset + total));
      offset += total;
    }
    const rest = buffer.subarray(offset);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
  }
  if (pendingBytes > 0) {
    throw new EventStreamError(`event stream ended inside a message (${pendingBytes} bytes of an incomplete message)`);
  }
}

/** Validates the prelude at `offset` and returns the message's total length. */
function checkPrelude(buffer: Buffer, offset: number): number {
  const total = buffer.readUInt32BE(offset);
  const headersLength = buffer.readUInt32BE(offset + 4);
  const expected = buffer.readUInt32BE(offset + 8);
  const actual = crc32(buffer.subarray(offset, offset + 8));
  if (actual !== expected) throw new EventStreamError(`event stream prelude checksum mismatch (expected ${hex(expected)}, computed ${hex(actual)})`);
  if (total < MIN_MESSAGE_BYTES || total > MAX_MESSAGE_BYTES) throw new EventStreamError(`event stream message length ${total} is out of range`);
  if (headersLength > MAX_HEADERS_BYTES || MIN_MESSAGE_BYTES + headersLength > total) {
    throw new EventStreamError(`event stream headers length ${headersLength} does not fit a ${total}-byte message`);
  }
  return total;
}

/** Decodes one complete message whose prelude has been checked. */
export function decodeMessage(message: Buffer): EventStreamMessage {
  const total = message.length;
  const headersLength = message.readUInt32BE(4);
  const expected = message.readUInt32BE(total - CRC_BYTES);
  // The prelude CRC is the running checksum of bytes 0-7: continue it over the rest instead of starting again.
  const actual = crc32(message.subarray(8, total - CRC_BYTES), message.readUInt32BE(8));
  if (actual !== expected) throw new EventStreamError(`event stream message checksum mismatch (expected ${hex(expected)}, computed ${hex(actual)})`);
  const headersEnd = PRELUDE_BYTES + headersLength;
  return {
    headers: decodeHeaders(message.subarray(PRELUDE_BYTES, headersEnd)),
    payload: message.subarray(headersEnd, total - CRC_BYTES),
  };
}

function decodeHeaders(bytes: Buffer): EventStreamHeaders {
  const headers: Record<string, HeaderValue> = {};
  let at = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw new EventStreamError('event stream header runs past the headers section');
  };
  while (at < bytes.length) {
    need(1);
    const nameLength = bytes.readUInt8(at);
    at += 1;
    need(nameLength + 1);
    const name = bytes.toString('utf8', at, at + nameLength);
    at += nameLength;
    const type = bytes.readUInt8(at) as HeaderType;
    at += 1;
    let value: HeaderValue;
    switch (type) {
      case HeaderType.BoolTrue:
        value = { type: 'boolean', value: true };
        break;
      case HeaderType.BoolFalse:
        value = { type: 'boolean', value: false };
        break;
      case HeaderType.Byte:
        need(1);
        value = { type: 'byte', value: bytes.readInt8(at) };
        at += 1;
        break;
      case HeaderType.Short:
        need(2);
        value = { type: 'short', value: bytes.readInt16BE(at) };
        at += 2;
        break;
      case HeaderType.Integer:
        need(4);
        value = { type: 'integer', value: bytes.readInt32BE(at) };
        at += 4;
        break;
      case HeaderType.Long:
        need(8);
        value = { type: 'long', value: bytes.readBigInt64BE(at) };
        at += 8;
        break;
      case HeaderType.ByteArray:
      case HeaderType.String: {
        need(2);
        const length = bytes.readUInt16BE(at);
        at += 2;
        need(length);
        value = type === HeaderType.String
          ? { type: 'string', value: bytes.toString('utf8', at, at + length) }
          : { type: 'binary', value: new Uint8Array(bytes.subarray(at, at + length)) };
        at += length;
        break;
      }
      case HeaderType.Timestamp:
        need(8);
        value = { type: 'timestamp', value: new Date(Number(bytes.readBigInt64BE(at))) };
        at += 8;
        break;
      case HeaderType.Uuid: {
        need(16);
        const h = bytes.toString('hex', at, at + 16);
        value = { type: 'uuid', value: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` };
        at += 16;
        break;
      }
      default:
        throw new EventStreamError(`event stream header ${name} has unknown value type ${String(type)}`);
    }
    headers[name] = value;
  }
  return headers;
}

/** Encodes one message (the stand-in's and the tests' side of the framing). Headers keep their insertion order. */
export function encodeEventStreamMessage(headers: EventStreamHeaders, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const headerBytes = encodeHeaders(headers);
  const total = PRELUDE_BYTES + headerBytes.length + body.byteLength + CRC_BYTES;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, PRELUDE_BYTES);
  message.set(body, PRELUDE_BYTES + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - CRC_BYTES)), total - CRC_BYTES);
  return message;
}

function encodeHeaders(headers: EventStreamHeaders): Buffer {
  const parts: Buffer[] = [];
  for (const [name, header] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'utf8');
    if (nameBytes.length > 255) throw new EventStreamError(`event stream header name too long: ${name}`);
    parts.push(Buffer.from([nameBytes.length]), nameBytes);
    parts.push(encodeHeaderValue(header));
  }
  return Buffer.concat(parts);
}

function encodeHeaderValue(header: HeaderValue): Buffer {
  switch (header.type) {
    case 'boolean':
      return Buffer.from([header.value ? HeaderType.BoolTrue : HeaderType.BoolFalse]);
    case 'byte': {
      const b = Buffer.alloc(2);
      b.writeUInt8(HeaderType.Byte, 0);
      b.writeInt8(header.value, 1);
      return b;
    }
    case 'short': {
      const b = Buffer.alloc(3);
      b.writeUInt8(HeaderType.Short, 0);
      b.writeInt16BE(header.value, 1);
      return b;
    }
    case 'integer': {
      const b = Buffer.alloc(5);
      b.writeUInt8(HeaderType.Integer, 0);
      b.writeInt32BE(header.value, 1);
      return b;
    }
    case 'long':
    case 'timestamp': {
      const b = Buffer.alloc(9);
      b.writeUInt8(header.type === 'long' ? HeaderType.Long : HeaderType.Timestamp, 0);
      b.writeBigInt64BE(header.type === 'long' ? header.value : BigInt(header.value.getTime()), 1);
      return b;
    }
    case 'binary':
    case 'string': {
      const value = header.type === 'string' ? Buffer.from(header.value, 'utf8') : Buffer.from(header.value);
      if (value.length > 0xffff) throw new EventStreamError('event stream header value too long');
      const b = Buffer.alloc(3);
      b.writeUInt8(header.type === 'string' ? HeaderType.String : HeaderType.ByteArray, 0);
      b.writeUInt16BE(value.length, 1);
      return Buffer.concat([b, value]);
    }
    case 'uuid': {
      const value = Buffer.from(header.value.replace(/-/g, ''), 'hex');
      if (value.length !== 16) throw new EventStreamError(`event stream uuid header is not 16 bytes: ${header.value}`);
      return Buffer.concat([Buffer.from([HeaderType.Uuid]), value]);
    }
  }
}

/** The headers Bedrock puts on an event (`:event-type`), an exception, in this order. */
export function eventHeaders(eventType: string): EventStreamHeaders {
  return {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' },
  };
}

export function exceptionHeaders(exceptionType: string): EventStreamHeaders {
  return {
    ':exception-type': { type: 'string', value: exceptionType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'exception' },
  };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
