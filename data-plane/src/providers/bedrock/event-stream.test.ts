import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import {
  decodeEventStream,
  encodeEventStreamMessage,
  eventHeaders,
  EventStreamError,
  exceptionHeaders,
  headerString,
  type EventStreamHeaders,
  type EventStreamMessage,
} from './event-stream.js';

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function decodeAll(...parts: Uint8Array[]): Promise<EventStreamMessage[]> {
  const out: EventStreamMessage[] = [];
  for await (const m of decodeEventStream(chunks(...parts))) out.push(m);
  return out;
}

const text = (m: EventStreamMessage): string => Buffer.from(m.payload).toString('utf8');

const delta = (i: number): Buffer => encodeEventStreamMessage(eventHeaders('contentBlockDelta'), JSON.stringify({ contentBlockIndex: 0, delta: { text: `chunk ${i}` } }));

describe('CRC-32', () => {
  it('should give the standard check value and continue a running checksum', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('56789'), crc32(Buffer.from('1234')))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('event-stream decoder', () => {
  it('should decode the framing of a known message byte for byte (empty headers and payload: 16 bytes)', async () => {
    // total 16, headers 0, prelude CRC 0x05c248eb, message CRC 0x7d98c8ff: the smallest valid message.
    const bytes = Buffer.from('000000100000000005c248eb7d98c8ff', 'hex');
    expect(encodeEventStreamMessage({}, '')).toEqual(bytes);
    const [message, ...rest] = await decodeAll(bytes);
    expect(rest).toEqual([]);
    expect(message!.headers).toEqual({});
    expect(message!.payload.byteLength).toBe(0);
  });

  it('should round-trip every header type', async () => {
    const headers: EventStreamHeaders = {
      t: { type: 'boolean', value: true },
      f: { type: 'boolean', value: false },
      b: { type: 'byte', value: -7 },
      s: { type: 'short', value: -300 },
      i: { type: 'integer', value: 123456789 },
      l: { type: 'long', value: 9007199254740993n },
      bin: { type: 'binary', value: new Uint8Array([0, 1, 254, 255]) },
      str: { type: 'string', value: 'héllo' },
      ts: { type: 'timestamp', value: new Date('2024-05-06T07:08:09.010Z') },
      id: { type: 'uuid', value: '01234567-89ab-cdef-0123-456789abcdef' },
    };
    const [message] = await decodeAll(encodeEventStreamMessage(headers, '{"x":1}'));
    expect(message!.headers).toEqual(headers);
    expect(text(message!)).toBe('{"x":1}');
  });

  it('should reassemble a message split across chunks at every possible byte', async () => {
    const bytes = delta(1);
    for (let cut = 1; cut < bytes.length; cut++) {
      const [message] = await decodeAll(bytes.subarray(0, cut), bytes.subarray(cut));
      expect(text(message!)).toBe('{"contentBlockIndex":0,"delta":{"text":"chunk 1"}}');
    }
    // One byte at a time.
    const single = await decodeAll(...[...bytes].map((b) => Uint8Array.of(b)));
    expect(single).toHaveLength(1);
  });

  it('should yield several messages from one chunk, and messages straddling chunk boundaries in between', async () => {
    const all = Buffer.concat([delta(0), delta(1), delta(2), delta(3), delta(4)]);
    expect((await decodeAll(all)).map(text)).toEqual([0, 1, 2, 3, 4].map((i) => `{"contentBlockIndex":0,"delta":{"text":"chunk ${i}"}}`));
    const ragged = [all.subarray(0, 5), all.subarray(5, 120), all.subarray(120, 121), all.subarray(121)];
    expect(await decodeAll(...ragged)).toHaveLength(5);
    expect(await decodeAll(new Uint8Array(), all, new Uint8Array())).toHaveLength(5);
  });

  it('should reject a message whose payload was corrupted (message CRC mismatch)', async () => {
    const bytes = Buffer.from(delta(1));
    bytes[bytes.length - 10]! ^= 0x01;
    await expect(decodeAll(delta(0), bytes)).rejects.toThrow(/message checksum mismatch/);
  });

  it('should reject a corrupted prelude before waiting for the length it claims', async () => {
    const bytes = Buffer.from(delta(1));
    bytes[2]! ^= 0x40; // total length now ~4 MiB more: the prelude CRC catches it at once.
    await expect(decodeAll(bytes.subarray(0, 12))).rejects.toBeInstanceOf(EventStreamError);
    await expect(decodeAll(bytes.subarray(0, 12))).rejects.toThrow(/prelude checksum mismatch/);
  });

  it('should reject a body that ends inside a message', async () => {
    const bytes = delta(1);
    await expect(decodeAll(delta(0), bytes.subarray(0, 30))).rejects.toThrow(/ended inside a message/);
    await expect(decodeAll(bytes.subarray(0, 5))).rejects.toThrow(/ended inside a message/);
  });

  it('should put Bedrock headers on events and exceptions', async () => {
    const [event, exception] = await decodeAll(
      encodeEventStreamMessage(eventHeaders('messageStop'), '{"stopReason":"end_turn"}'),
      encodeEventStreamMessage(exceptionHeaders('throttlingException'), '{"message":"slow down"}'),
    );
    expect(headerString(event!, ':message-type')).toBe('event');
    expect(headerString(event!, ':event-type')).toBe('messageStop');
    expect(headerString(event!, ':content-type')).toBe('application/json');
    expect(headerString(exception!, ':message-type')).toBe('exception');
    expect(headerString(exception!, ':exception-type')).toBe('throttlingException');
  });
});
