import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { list } from './zod-list.js';

describe('list', () => {
  const Item = z.looseObject({ type: z.string(), n: z.number().default(1) });

  it('accepts and gives what z.array does, length rules included', () => {
    const items = [{ type: 'a' }, { type: 'b', n: 2, extra: true }];
    expect(list(Item).parse(items)).toEqual(z.array(Item).parse(items));
    const nonEmpty = list(Item, z.array(z.unknown()).min(1, 'at least one'));
    expect(nonEmpty.safeParse([]).error?.issues[0]).toMatchObject({ code: 'too_small', message: 'at least one' });
    expect(list(Item).safeParse('x').error?.issues[0]).toMatchObject({ code: 'invalid_type' });
  });

  it("reports the first wrong element's own issue at its index, and checks none after it", () => {
    let checked = 0;
    const counted = Item.refine(() => ++checked > 0);
    const items: unknown[] = [{ type: 'ok' }, { type: 'ok' }, ...Array.from({ length: 1_000_000 }, () => [])];
    const issue = z.looseObject({ content: list(counted) }).safeParse({ content: items }).error?.issues;
    expect(issue).toEqual([expect.objectContaining({ code: 'invalid_type', path: ['content', 2], message: expect.stringContaining('expected object') })]);
    expect(checked).toBe(2);
  });
});
