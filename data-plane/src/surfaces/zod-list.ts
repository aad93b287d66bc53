import { z } from 'zod';

/**
 * An array whose elements are checked one after the other, stopping at the first that fails (its issue, at its
 * index, is the array's): what `z.array(schema)` accepts and gives, but a request of millions of wrong elements costs
 * one element's check, not an issue per element (per branch of a union, for each: a 32 MB body of `[]` content
 * parts took the data plane's heap and stalled every other client for a minute). `array` is the array check itself,
 * for its length rules (`z.array(z.unknown()).min(1, …)`).
 */
export function list<T extends z.ZodType>(schema: T, array: z.ZodType<unknown[]> = z.array(z.unknown())) {
  return array.transform((items, ctx) => {
    const out: z.output<T>[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const parsed = schema.safeParse(items[i]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        ctx.addIssue({ ...(issue as z.core.$ZodRawIssue), path: [i, ...issue.path] });
        return z.NEVER;
      }
      out[i] = parsed.data;
    }
    return out;
  });
}
