import { describe, expect, it } from 'vitest';
import { EventBlock } from './event-block.js';

/** A block of these events as the spool cuts one: JSON joined by commas, numbered from `firstSeq`. */
function block(events: unknown[], firstSeq = 0): EventBlock {
  const json = events.map((e) => JSON.stringify(e));
  const ends: number[] = [];
  let at = 0;
  for (const j of json) {
    at += Buffer.byteLength(j);
    ends.push(at);
    at++;
  }
  return new EventBlock(Buffer.from(json.join(',')), ends, firstSeq);
}

describe('EventBlock', () => {
  it('reads request ids from the bytes, and the slow way when escaped or not first', () => {
    const b = block([{ requestId: 'a"b', n: 0 }, { n: 1, requestId: 'late' }, { requestId: 'req-2', n: 2 }]);
    expect([0, 1, 2].map((i) => b.requestId(i))).toEqual(['a"b', 'late', 'req-2']);
  });

  it('filters into a new block that keeps each event its sequence number', () => {
    const b = block([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }], 40);
    const kept = b.filter((i) => i % 2 === 1)!;
    expect(JSON.parse(`[${kept.bytes.toString('utf8')}]`)).toEqual([{ n: 1 }, { n: 3 }]);
    expect([kept.seq(0), kept.seq(1)]).toEqual([41, 43]);
    const again = kept.filter((i) => i === 1)!;
    expect(again.seq(0)).toBe(43);
    expect(b.filter(() => false)).toBeUndefined();
  });

  it('frames a block made otherwise by copying', () => {
    const b = block([{ n: 0 }, { n: 1 }]).filter(() => true)!;
    expect(b.framed).toBeUndefined();
    expect(JSON.parse(b.frame(Buffer.from('{"events":['), Buffer.from(']}')).toString('utf8'))).toEqual({ events: [{ n: 0 }, { n: 1 }] });
  });
});
