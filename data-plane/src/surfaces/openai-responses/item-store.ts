import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';

/** How long an answer's items can be referred to, by default (`TOLLGATE_RESPONSE_ITEMS_TTL_S`). */
export const DEFAULT_RESPONSE_ITEMS_TTL_MS = 3_600_000;
/** What the items kept in process may take (their JSON); past it the oldest go first. With Redis, they are still found there. */
const DEFAULT_MAX_LOCAL_BYTES = 64 * 1024 * 1024;
const KEY_PREFIX = 'tollgate:response-item:';

interface Kept {
  readonly key: string;
  readonly json: string;
  readonly expiresAtMs: number;
}

/**
 * The output items of the Responses answers Tollgate translated (any model not served by OpenAI's Responses API), kept
 * for a while so that a later request may name them by id in an `item_reference` instead of sending them again. The
 * Vercel AI SDK's OpenAI provider does so by default (Responses, `store` not false): from the second turn on it sends
 * the earlier assistant messages and reasoning items as references to the ids the answers gave them, as OpenAI,
 * which stores responses, allows. Only answers to requests that did not say `store: false` are kept.
 *
 * Kept with the virtual key whose request made them (only that key's requests find them), in process (bounded by
 * size) and, with Redis, under `tollgate:response-item:<id>`, so every data plane finds them and a restart forgets
 * nothing; for `ttlMs` (0: nothing is kept). Redis being away only costs the references: items it cannot find are
 * refused as unknown, with the way out.
 */
export class ResponseItemStore {
  private readonly local = new Map<string, Kept>();
  private localBytes = 0;
  private warned = false;

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    readonly ttlMs = DEFAULT_RESPONSE_ITEMS_TTL_MS,
    private readonly maxLocalBytes = DEFAULT_MAX_LOCAL_BYTES,
  ) {}

  /** Keeps an answer's output items for `keyId`. */
  keep(keyId: string, items: readonly { readonly id: string }[]): void {
    if (this.ttlMs <= 0) return;
    const now = Date.now();
    const expiresAtMs = now + this.ttlMs;
    for (const item of items) {
      const json = JSON.stringify(item);
      this.keepLocal(item.id, { key: keyId, json, expiresAtMs }, now);
      this.redis?.set(KEY_PREFIX + item.id, `${keyId} ${json}`, 'PX', this.ttlMs).catch((err: unknown) => this.warn(err));
    }
  }

  /** Those of `ids` kept for `keyId`, parsed; an id kept for another key is not found. */
  async find(keyId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const elsewhere: string[] = [];
    const now = Date.now();
    for (const id of ids) {
      const kept = this.local.get(id);
      if (kept !== undefined && kept.expiresAtMs > now) {
        if (kept.key === keyId) found.set(id, JSON.parse(kept.json) as Record<string, unknown>);
      } else {
        elsewhere.push(id);
      }
    }
    if (elsewhere.length > 0 && this.redis !== null && this.ttlMs > 0) {
      try {
        const values = await this.redis.mget(elsewhere.map((id) => KEY_PREFIX + id));
        values.forEach((value, i) => {
          const space = value?.indexOf(' ') ?? -1;
          if (space !== -1 && value!.slice(0, space) === keyId) found.set(elsewhere[i]!, JSON.parse(value!.slice(space + 1)) as Record<string, unknown>);
        });
      } catch (err) {
        this.warn(err);
      }
    }
    return found;
  }

  /** Keeps one item in process, then drops the oldest while over size, and those expired by `now` (they come first). */
  private keepLocal(id: string, kept: Kept, now: number): void {
    const before = this.local.get(id);
    if (before !== undefined) {
      this.local.delete(id);
      this.localBytes -= before.json.length;
    }
    this.local.set(id, kept);
    this.localBytes += kept.json.length;
    for (const [oldest, entry] of this.local) {
      if (this.localBytes <= this.maxLocalBytes && entry.expiresAtMs > now) break;
      this.local.delete(oldest);
      this.localBytes -= entry.json.length;
    }
  }

  private warn(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn('response items: Redis did not answer; item references are found only in this data plane while it is away', { error: err });
    setTimeout(() => (this.warned = false), 60_000).unref();
  }
}

/**
 * Replaces the `item_reference`s in a Responses request's `input` that `store` keeps for the key with the items
 * themselves (in place, before anything reads the input). References it does not know stay: a forwarded request's
 * provider may know them (OpenAI stores its own answers), and the translation refuses them, saying why.
 */
export async function resolveItemReferences(store: ResponseItemStore, keyId: string, body: Record<string, unknown>): Promise<void> {
  const input = body.input;
  if (!Array.isArray(input)) return;
  let ids: string[] | undefined;
  for (const item of input) if (isItemReference(item)) (ids ??= []).push(item.id);
  if (ids === undefined) return;
  const found = await store.find(keyId, ids);
  if (found.size > 0) body.input = input.map((item) => (isItemReference(item) ? (found.get(item.id) ?? item) : item));
}

/** `{"type": "item_reference", "id": …}`; OpenAI also takes the bare `{"id": …}`. */
export function isItemReference(item: unknown): item is { readonly id: string } {
  if (typeof item !== 'object' || item === null) return false;
  const { type, id } = item as Record<string, unknown>;
  if (typeof id !== 'string') return false;
  return type === 'item_reference' || (type === undefined && !('role' in item) && !('content' in item));
}
