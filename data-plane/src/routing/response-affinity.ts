import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** How long a stored response is remembered: OpenAI keeps stored responses 30 days. */
const TTL_MS = 30 * 24 * 3600 * 1000;
/** Entries kept in process (the oldest go first); with Redis, older ones are still found there. */
const DEFAULT_MAX_ENTRIES = 50_000;
const KEY_PREFIX = 'tollgate:response:';

/**
 * Which deployment holds a stored response (OpenAI's Responses API stores responses unless told `store: false`).
 * A follow-up turn names it in `previous_response_id`, and only that deployment can find it: another Azure resource or
 * OpenAI project answers 404 "previous response not found". So when a model has several deployments, the router
 * sends a follow-up to the one that answered the turn before (`pipeline/run-inference.ts`).
 *
 * Remembered with the key that created it, in a bounded map in process and, with Redis, under
 * `tollgate:response:<id>` for 30 days, so every data
 * plane routes follow-ups alike and a restart forgets nothing. Redis being away only costs the affinity: a follow-up
 * it cannot place is routed like any request (as before this existed), never refused.
 */
export interface StoredResponse {
  /** The deployment (model config id) that stored it. */
  readonly deployment: string;
  /** The virtual key (id) whose request created it. */
  readonly key: string;
}

export class ResponseAffinity {
  /** Response id → `<deployment id> <key id>` (ids have no spaces). */
  private readonly local = new Map<string, string>();
  private warned = false;

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** `responseId` (the upstream's own id, as the client got it) was stored on `deployment` for `key`. */
  remember(responseId: string, stored: StoredResponse): void {
    const value = `${stored.deployment} ${stored.key}`;
    this.keep(responseId, value);
    this.redis?.set(KEY_PREFIX + responseId, value, 'PX', TTL_MS).catch((err: unknown) => this.warn(err));
  }

  /** Where `responseId` is stored, and for whom, if known. */
  async lookup(responseId: string): Promise<StoredResponse | undefined> {
    let value = this.local.get(responseId);
    if (value === undefined && this.redis !== null) {
      try {
        value = (await this.redis.get(KEY_PREFIX + responseId)) ?? undefined;
      } catch (err) {
        this.warn(err);
      }
      if (value !== undefined) this.keep(responseId, value);
    }
    const space = value?.indexOf(' ') ?? -1;
    return space === -1 ? undefined : { deployment: value!.slice(0, space), key: value!.slice(space + 1) };
  }

  private keep(responseId: string, value: string): void {
    this.local.delete(responseId);
    this.local.set(responseId, value);
    if (this.local.size > this.maxEntries) this.local.delete(this.local.keys().next().value!);
  }

  private warn(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger.warn('stored-response affinity: Redis did not answer; follow-up turns are routed without it while it is away', { error: err });
    setTimeout(() => (this.warned = false), 60_000).unref();
  }
}
