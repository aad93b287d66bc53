import { crc32 } from 'node:zlib';

/**
 * The stand-in's side of the `application/vnd.amazon.eventstream` framing, written independently of the data
 * plane's codec (node's zlib CRC-32, string headers only: all Bedrock sends) so a shared mistake cannot hide:
 *
 *   total length u32 | headers length u32 | prelude CRC u32 | headers | payload | message CRC u32
 *
 * A header is `name length u8 | name | type u8 (7 = string) | value length u16 | value`.
 */
export function frame(headers: Readonly<Record<string, string>>, payload: string | Buffer): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const meta = Buffer.alloc(3);
    meta.writeUInt8(7, 0);
    meta.writeUInt16BE(v.length, 1);
    headerParts.push(Buffer.from([n.length]), n, meta, v);
  }
  const headerBytes = Buffer.concat(headerParts);
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const total = 12 + headerBytes.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const withoutCrc = Buffer.concat([prelude, headerBytes, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(withoutCrc), 0);
  return Buffer.concat([withoutCrc, crc]);
}

/** An event as Bedrock frames it, payload padded with `p` the way the service pads against length side channels. */
export function eventFrame(eventType: string, payload: Record<string, unknown>): Buffer {
  return frame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ ...payload, p: padding(eventType.length + JSON.stringify(payload).length) }),
  );
}

export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Buffer {
  return frame({ ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' }, JSON.stringify(payload));
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function padding(seed: number): string {
  return ALPHABET.slice(0, 1 + (seed % ALPHABET.length));
}
