import { z } from 'zod';
import type { CacheControl } from '../../canonical/request.js';

/** Anthropic's prompt-caching marker on a block, tool or system entry. */
export const CacheControlSchema = z.looseObject({ type: z.literal('ephemeral'), ttl: z.string().optional() });

export function cache(control: { type: 'ephemeral'; ttl?: string | undefined } | null | undefined): { cacheControl?: CacheControl } {
  if (control == null) return {};
  return { cacheControl: { type: 'ephemeral', ...(control.ttl !== undefined && { ttl: control.ttl }) } };
}
