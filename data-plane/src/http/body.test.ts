import { describe, expect, it } from 'vitest';
import { BodyCollector } from './body.js';

const chunk = (text: string): ArrayBuffer => {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

describe('BodyCollector', () => {
  it('copies chunks, so uWS may neuter them after the callback', () => {
    const c = new BodyCollector(100, null);
    const first = chunk('hello ');
    c.push(first);
    new Uint8Array(first).fill(0);
    c.push(chunk('world'));
    expect(c.result().toString()).toBe('hello world');
  });

  it('fills a buffer preallocated from Content-Length', () => {
    const c = new BodyCollector(100, 11);
    expect(c.push(chunk('hello '))).toBe(true);
    expect(c.push(chunk('world'))).toBe(true);
    expect(c.result().toString()).toBe('hello world');
  });

  it('returns exactly what arrived when the declared length was wrong', () => {
    const short = new BodyCollector(100, 20);
    short.push(chunk('abc'));
    expect(short.result().toString()).toBe('abc');
    const long = new BodyCollector(100, 4);
    long.push(chunk('abc'));
    long.push(chunk('defg'));
    expect(long.result().toString()).toBe('abcdefg');
  });

  it('refuses the chunk that crosses the cap', () => {
    const c = new BodyCollector(8, null);
    expect(c.push(chunk('12345678'))).toBe(true);
    expect(c.push(chunk('9'))).toBe(false);
    expect(c.size).toBe(8);
  });
});
