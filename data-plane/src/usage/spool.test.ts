import { describe, expect, it } from 'vitest';
import { EventSpool } from './spool.js';

const event = (i: number, extra = '') => JSON.stringify({ requestId: `req-${i}`, n: i, note: extra });
const parse = (bytes: Buffer) => JSON.parse(`[${bytes.toString('utf8')}]`) as Array<{ requestId: string; n: number }>;

describe('EventSpool', () => {
  it('gives back events in order as blocks that are JSON array contents, with their request ids', () => {
    const spool = new EventSpool();
    for (let i = 0; i < 5; i++) spool.append(event(i, 'ünïcødé "quoted"'));
    expect(spool.size).toBe(5);
    const a = spool.take(3)!;
    expect(parse(a.bytes).map((e) => e.n)).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((i) => a.requestId(i))).toEqual(['req-0', 'req-1', 'req-2']);
    expect(JSON.parse(a.event(1).toString('utf8'))).toMatchObject({ n: 1, note: 'ünïcødé "quoted"' });
    expect(spool.size).toBe(2);
    const b = spool.take(10)!;
    expect(parse(b.bytes).map((e) => e.n)).toEqual([3, 4]);
    expect(spool.size).toBe(0);
    expect(spool.take(1)).toBeUndefined();
  });

  it('spans chunk boundaries and takes events bigger than a chunk', () => {
    const spool = new EventSpool();
    const big = 'x'.repeat(3_000);
    for (let i = 0; i < 300; i++) spool.append(event(i, big)); // ~900 KB: several 256 KiB chunks
    spool.append(event(300, 'y'.repeat(400_000)));
    let n = 0;
    for (let block = spool.take(70); block; block = spool.take(70)) {
      const events = parse(block.bytes);
      expect(events.map((e) => e.n)).toEqual(Array.from({ length: events.length }, (_, k) => n + k));
      for (let k = 0; k < block.count; k++) expect(block.requestId(k)).toBe(`req-${n + k}`);
      n += events.length;
    }
    expect(n).toBe(301);
  });

  it('frames a taken block in the same buffer, and frames other blocks by copying', () => {
    const spool = new EventSpool();
    for (let i = 0; i < 3; i++) spool.append(event(i));
    const [prefix, suffix] = [Buffer.from('{"events":['), Buffer.from(']}')];
    const block = spool.take(3, prefix, suffix)!;
    const body = block.frame(prefix, suffix);
    expect(body).toBe(block.framed);
    expect((JSON.parse(body.toString('utf8')) as { events: Array<{ n: number }> }).events.map((e) => e.n)).toEqual([0, 1, 2]);
    const kept = block.filter((i) => i > 0)!;
    expect(JSON.parse(kept.frame(prefix, suffix).toString('utf8'))).toMatchObject({ events: [{ n: 1 }, { n: 2 }] });
  });

  it('keeps working after being emptied, and drops from the front', () => {
    const spool = new EventSpool();
    spool.append(event(1));
    spool.take(1);
    spool.append(event(2));
    spool.append(event(3));
    spool.append(event(4));
    expect(spool.drop(2)).toBe(2);
    expect(parse(spool.take(5)!.bytes).map((e) => e.n)).toEqual([4]);
  });

  it('filters and drops within a block, reading ids with escapes the slow way', () => {
    const spool = new EventSpool();
    spool.append(JSON.stringify({ requestId: 'a"b', n: 0 }));
    spool.append(JSON.stringify({ n: 1, requestId: 'late' }));
    spool.append(event(2));
    const block = spool.take(3)!;
    expect([0, 1, 2].map((i) => block.requestId(i))).toEqual(['a"b', 'late', 'req-2']);
    const kept = block.filter((i) => i !== 1)!;
    expect(parse(kept.bytes).map((e) => e.n)).toEqual([0, 2]);
    expect(parse(block.drop(2)!.bytes).map((e) => e.n)).toEqual([2]);
    expect(block.drop(3)).toBeUndefined();
  });
});
