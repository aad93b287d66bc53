import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { visibility } from '../auth/policy.js';
import type { Principal } from '../auth/roles.js';
import type { Orm } from '../db/orm.js';
import { forbidden } from '../errors.js';
import { errorMessage, type Logger } from '../logger.js';
import { AsyncQueue } from '../util/async-queue.js';
import { parseInput, SQL_UUID_PATTERN } from '../validation.js';
import { SpendStreamInput } from './inputs.js';
import { NEW_ROWS } from './new-ledger-rows.js';
import type { SpendTotals } from './spend.js';

/**
 * Live spend across control-plane replicas.
 *
 * Each ingested batch sends, inside its transaction, `NOTIFY tollgate_spend` with what it added per (organization,
 * team, key, owner, model) and its transaction id; PostgreSQL delivers it to every replica's LISTEN connection
 * only once the batch commits. A subscriber reads its totals once from the daily roll-ups, then adds the deltas
 * that match its filters and its role's part of the spend, and sends its running totals at most once per throttle
 * window. Deltas rather than "something changed, read again": the payload stays small (a batch's groups, split
 * below PostgreSQL's 8,000-byte limit) and a dashboard costs the database one read when it subscribes instead of a
 * scan of the roll-ups per subscriber per window.
 *
 * A delta must count exactly once even when it races the initial read. The read returns the snapshot it saw
 * (`pg_current_snapshot()`); a delta whose transaction is visible in that snapshot is already in the totals and is
 * skipped. Notifications sent while a replica's LISTEN connection was down are lost, so on every reconnection each
 * subscriber reads its totals again the same way: the totals are always the database's, never drift.
 */
export const SPEND_CHANNEL = 'tollgate_spend';

/**
 * The batch's new rows grouped by what subscribers filter and scope on, sent as notifications of
 * `{"x":"<transaction id>","g":[group, …]}` in one statement. PostgreSQL refuses payloads of 8,000 bytes or more,
 * and a statement failing here would fail the batch, so the team and key ids the data plane reported are cut to 100
 * characters and models to 200 (filters cannot name anything longer; organization and owner are uuids): a group is
 * then under 2,700 bytes even if every character took six as a JSON escape. Groups are split by the bytes before
 * each, so a notification holds under 5,000 bytes plus its last group.
 */
const NOTIFY_SPEND = `
with "g" as (
  select json_build_array(l."org_id", left(l."team_id", 100), left(l."key_id", 100), l."user_id", left(l."model", 200),
                          sum(l."cost")::text, count(*), sum(l."total_tokens")::float8)::text as "group"
    from ${NEW_ROWS}
   group by l."org_id", left(l."team_id", 100), left(l."key_id", 100), l."user_id", left(l."model", 200)
), "c" as (
  select "group", floor(coalesce(sum(octet_length("group") + 1) over (order by "group" rows between unbounded preceding and 1 preceding), 0) / 5000) as "part"
    from "g"
)
select pg_notify('${SPEND_CHANNEL}', '{"x":"' || pg_current_xact_id()::text || '","g":[' || string_agg("group", ',') || ']}')
  from "c" group by "part"`;

/**
 * One group of a batch: [organization, team, key, key owner, model, cost, requests, tokens]. The cost is the
 * ledger's numeric as text, every digit of it, so running totals add up exactly as the reports do (a replica of an
 * earlier release sends a number).
 */
const Group = z.tuple([
  z.string().nullable(),
  z.string().nullable(),
  z.string(),
  z.string().nullable(),
  z.string(),
  z.union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number()]),
  z.number(),
  z.number(),
]);
type Group = z.infer<typeof Group>;
/** A notification: the batch's transaction id (xid8, as text) and some of its groups. */
const Notification = z.object({ x: z.string().regex(/^\d+$/), g: z.array(Group) });

/** Sends the batch's spend to every replica, delivered when (and if) the transaction commits. */
export async function notifySpend(em: EntityManager, newIds: string): Promise<void> {
  await em.execute(NOTIFY_SPEND, [newIds]);
}

/** What a subscriber gets: its running totals, and what they grew by since its previous message. */
export interface SpendUpdate extends SpendTotals {
  batchSpend: number;
  batchRequests: number;
  at: Date;
}

export interface LiveSpendOptions {
  /** At most one message per subscriber per this many milliseconds (TOLLGATE_SPEND_THROTTLE_MS); default 1000. */
  throttleMs?: number;
}

/** The part of all spend a subscriber sees: its role's, narrowed by its filters. */
export interface SpendScope {
  readonly seen: { kind: 'all' } | { kind: 'org'; orgId: string } | { kind: 'own'; userId: string; teamIds: ReadonlySet<string> };
  readonly filter: SpendStreamInput;
}

/** A `pg_snapshot`: transactions below `xmin` are finished, from `xmax` on not yet begun, `running` in between. */
interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  running: ReadonlySet<bigint>;
}

function parseSnapshot(text: string): Snapshot {
  const [xmin = '0', xmax = '0', running = ''] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), running: new Set(running ? running.split(',').map((x) => BigInt(x)) : []) };
}

/** Whether a committed transaction's writes were visible to a snapshot (PostgreSQL's pg_visible_in_snapshot). */
function visibleIn(xid: bigint, s: Snapshot): boolean {
  return xid < s.xmin || (xid < s.xmax && !s.running.has(xid));
}

/**
 * Running totals kept exact: spend in pico-USD (10^-12, the ledger's scale), so that however many batches add to
 * them, they equal what the reports sum in the database; a double is made only for each message (`usd`).
 */
interface Exact {
  spend: bigint;
  requests: number;
  tokens: number;
}

const ZERO: Exact = { spend: 0n, requests: 0, tokens: 0 };
const SCALE = 12;

function add(a: Exact, b: Exact, sign: 1 | -1 = 1): Exact {
  return { spend: sign === 1 ? a.spend + b.spend : a.spend - b.spend, requests: a.requests + sign * b.requests, tokens: a.tokens + sign * b.tokens };
}

function isZero(d: Exact): boolean {
  return d.requests === 0 && d.tokens === 0 && d.spend === 0n;
}

/** USD (the ledger's numeric as text, or a number) → pico-USD; digits past the ledger's scale are rounded off. */
function picos(usd: string | number): bigint {
  const text = typeof usd === 'number' ? usd.toFixed(SCALE) : usd;
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const kept = BigInt(whole + fraction.slice(0, SCALE).padEnd(SCALE, '0')) + (Number(fraction[SCALE] ?? '0') >= 5 ? 1n : 0n);
  return negative ? -kept : kept;
}

/** Pico-USD → the nearest double, read from its decimal digits (as PostgreSQL's numeric → float8 reads them). */
function usd(value: bigint): number {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, '0');
  return Number(`${negative ? '-' : ''}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`);
}

function exact(totals: ReadTotals): Exact {
  return { spend: picos(totals.totalSpend), requests: totals.totalRequests, tokens: totals.totalTokens };
}

function matches({ seen, filter }: SpendScope, [org, team, key, owner, model]: Group): boolean {
  if (filter.teamId !== null && team !== filter.teamId) return false;
  if (filter.keyId !== null && key !== filter.keyId) return false;
  if (filter.model !== null && model !== filter.model) return false;
  switch (seen.kind) {
    case 'all':
      return true;
    case 'org':
      return org === seen.orgId;
    case 'own':
      return (owner !== null && owner === seen.userId) || (team !== null && seen.teamIds.has(team));
  }
}

/**
 * Reads a scope's totals together with the snapshot they were read in (`pg_current_snapshot()` as text,
 * `xmin:xmax:running,…`).
 */
/** Totals as read: spend as the database's numeric text (exact), or a number. */
export interface ReadTotals extends Omit<SpendTotals, 'totalSpend'> {
  totalSpend: string | number;
}

export type TotalsReader = (scope: SpendScope) => Promise<{ totals: ReadTotals; snapshot: string }>;

/**
 * The scope's all-time totals from the daily roll-ups. Organization and owner come from the key, as the ingest
 * records them on each ledger row.
 */
export const readTotals = (orm: Orm): TotalsReader => async ({ seen, filter }) => {
  const em = orm.em.fork();
  const where = ['true'];
  const params: unknown[] = [];
  let from = '"spend_daily" d';
  if (seen.kind !== 'all') {
    from += ` left join "virtual_key" k on k."id" = case when d."key_id" ~ '${SQL_UUID_PATTERN}' then d."key_id"::uuid end
              left join "team" t on t."id" = k."team_id"`;
  }
  if (seen.kind === 'org') {
    where.push('coalesce(k."organization_id", t."organization_id") = ?');
    params.push(seen.orgId);
  }
  if (seen.kind === 'own') {
    where.push('(k."owner_id" = ? or d."team_id" = any(?::text[]))');
    params.push(seen.userId, `{${[...seen.teamIds].map((id) => `"${id}"`).join(',')}}`);
  }
  for (const [column, value] of [['team_id', filter.teamId], ['key_id', filter.keyId], ['model', filter.model]] as const) {
    if (value === null) continue;
    where.push(`d."${column}" = ?`);
    params.push(value);
  }
  // One statement, one snapshot: the sums and pg_current_snapshot() see the same committed batches.
  const [row] = await em.execute<Array<{ snapshot: string; spend: string; requests: number; tokens: number }>>(
    `select pg_current_snapshot()::text as "snapshot", coalesce(sum(d."cost"), 0)::text as "spend",
            coalesce(sum(d."requests"), 0)::float8 as "requests", coalesce(sum(d."total_tokens"), 0)::float8 as "tokens"
       from ${from} where ${where.join(' and ')}`,
    params,
  );
  if (!row) throw new Error('the totals query returned no row');
  return { totals: { totalSpend: row.spend, totalRequests: row.requests, totalTokens: row.tokens }, snapshot: row.snapshot };
};

/** Deltas heard while the totals were being read; which of them the read already saw is known only after it. */
type Pending = Array<{ xid: bigint; delta: Exact }>;

/**
 * One subscription: its totals, and a throttle. Messages coalesce: whatever arrives within a window goes out as one
 * message with the latest totals, and a consumer that has not taken the previous message finds it replaced, so
 * nothing queues up.
 */
class SpendSubscriber {
  readonly queue: AsyncQueue<SpendUpdate>;
  /** The snapshot the totals were read in; null while a read is under way. */
  private snapshot: Snapshot | null = null;
  private pending: Pending = [];
  /** The subscriber's totals now, and what they grew by since its last message (null: not read yet). */
  private current: Exact | null = null;
  private unsent: Exact = ZERO;
  /** What the message still in the queue, while there is one, grew by. */
  private unread: Exact = ZERO;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private reads = 0;

  constructor(
    private readonly scope: SpendScope,
    private readonly hub: { throttleMs: number; read: TotalsReader; logger: Logger },
    onClose: () => void,
  ) {
    this.queue = new AsyncQueue<SpendUpdate>(() => {
      if (this.timer) clearTimeout(this.timer);
      onClose();
    });
  }

  /** Reads the totals (again): at the start, and after notifications may have been lost. */
  async read(): Promise<void> {
    const attempt = ++this.reads;
    this.snapshot = null;
    try {
      const { totals: read, snapshot: seen } = await this.hub.read(this.scope);
      const totals = exact(read);
      if (attempt !== this.reads || this.queue.closed) return;
      const snapshot = parseSnapshot(seen);
      let heardSince = ZERO;
      for (const { xid, delta } of this.pending.splice(0)) if (!visibleIn(xid, snapshot)) heardSince = add(heardSince, delta);
      // The first read is where the stream starts; a later one says what the running totals missed.
      if (this.current !== null) this.unsent = add(this.unsent, add(totals, this.current, -1));
      this.unsent = add(this.unsent, heardSince);
      this.current = add(totals, heardSince);
      this.snapshot = snapshot;
      this.schedule();
    } catch (err) {
      if (attempt !== this.reads || this.queue.closed) return;
      // Without totals there is nothing true to send; the stream ends and the client subscribes again.
      this.hub.logger.warn('could not read spend totals for a live subscriber', { error: errorMessage(err) });
      this.queue.fail(new Error('Live spend is unavailable; subscribe again.'));
    }
  }

  heard(xid: bigint, groups: readonly Group[]): void {
    let delta = ZERO;
    for (const group of groups) if (matches(this.scope, group)) delta = add(delta, { spend: picos(group[5]), requests: group[6], tokens: group[7] });
    if (delta.requests === 0) return;
    if (this.snapshot === null) this.pending.push({ xid, delta });
    else if (!visibleIn(xid, this.snapshot) && this.current !== null) {
      this.current = add(this.current, delta);
      this.unsent = add(this.unsent, delta);
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer || isZero(this.unsent)) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastSentAt + this.hub.throttleMs - Date.now()));
  }

  private flush(): void {
    this.timer = null;
    // While a read is under way the totals are not known; the read schedules again.
    if (this.snapshot === null || this.current === null || isZero(this.unsent)) return;
    // A message not yet taken is replaced by this one, which then covers what that one did too.
    const grew = this.queue.size > 0 ? add(this.unread, this.unsent) : this.unsent;
    this.queue.clear();
    const { spend, requests, tokens } = this.current;
    this.queue.push({ totalSpend: usd(spend), totalRequests: requests, totalTokens: tokens, batchSpend: usd(grew.spend), batchRequests: grew.requests, at: new Date() });
    this.unread = grew;
    this.unsent = ZERO;
    this.lastSentAt = Date.now();
  }

  close(): void {
    this.queue.close();
  }
}

/**
 * The live spend of one control plane's subscribers, fed by its LISTEN connection on `SPEND_CHANNEL`
 * (start.ts wires `notify` and `listening` to it).
 */
export class LiveSpend {
  private readonly subscribers = new Set<SpendSubscriber>();
  private readonly throttleMs: number;

  constructor(
    private readonly read: TotalsReader,
    private readonly logger: Logger,
    options: LiveSpendOptions = {},
  ) {
    this.throttleMs = options.throttleMs ?? 1000;
  }

  /**
   * A stream of the caller's spend, narrowed by the filters: messages come when it changes, none at the start.
   * Callers who see no spend at all are refused; a filter naming something outside the caller's part simply never
   * matches, as lists answer.
   */
  subscribe(principal: Principal, rawFilter: unknown): AsyncIterableIterator<SpendUpdate, undefined> {
    const filter = parseInput(SpendStreamInput, rawFilter);
    const seen = visibility(principal, 'spend');
    if (seen.kind === 'none') throw forbidden();
    const scope: SpendScope = { seen: seen.kind === 'own' ? { ...seen, teamIds: new Set(seen.teamIds) } : seen, filter };
    const subscriber: SpendSubscriber = new SpendSubscriber(
      scope,
      { throttleMs: this.throttleMs, read: this.read, logger: this.logger },
      () => this.subscribers.delete(subscriber),
    );
    // Listening before reading: a batch committing meanwhile is either in the read or heard after it.
    this.subscribers.add(subscriber);
    void subscriber.read();
    return subscriber.queue;
  }

  /** A notification on `SPEND_CHANNEL`. */
  notify(payload: string): void {
    let parsed: z.infer<typeof Notification>;
    try {
      parsed = Notification.parse(JSON.parse(payload));
    } catch (err) {
      this.logger.warn('ignored a malformed spend notification', { error: errorMessage(err) });
      return;
    }
    const xid = BigInt(parsed.x);
    for (const subscriber of this.subscribers) subscriber.heard(xid, parsed.g);
  }

  /** LISTEN is (again) in place: notifications may have been missed, so every subscriber reads its totals again. */
  listening(): void {
    for (const subscriber of this.subscribers) void subscriber.read();
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    for (const subscriber of [...this.subscribers]) subscriber.close();
  }
}
