import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { HealthCheckMessage, HealthCheckMode } from '@tollgate/schema';
import { z } from 'zod';
import { assertCan, GLOBAL } from '../auth/policy.js';
import { Model, ModelHealth } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { notFound, unavailable } from '../errors.js';
import { errorMessage, type Logger } from '../logger.js';
import { isUuid, parseInput } from '../validation.js';
import type { Actor, AdminWriter } from './audit.js';
import type { ConfigPublisher } from './config-publisher.js';
import { CheckModelHealthInput, ReportModelHealthInput } from './inputs.js';

/**
 * Active model health checks, the control plane's side.
 *
 * `checkModelHealth` cannot call a provider itself (credentials are references only data planes resolve), so it
 * asks the data planes: a `healthCheck` message on the config stream of every subscriber that listed the
 * `healthChecks` feature, on this replica directly and on every other replica through `NOTIFY tollgate_health`. Every
 * data plane that gets it checks the deployments and reports with `reportModelHealth`, which may reach any replica;
 * the one storing a report sends `NOTIFY tollgate_health` with the request and data plane in the same transaction,
 * so the waiting replica hears of it once the rows are readable. The admin gets the first data plane's results;
 * later ones are stored all the same and listed by `modelHealth`.
 *
 * Whether anyone will answer is known at once when this replica has such a subscriber; otherwise the other replicas
 * say they passed the request on (`sent`), and no word within `ackMs` means no data plane runs health checks. A
 * waiting request also looks in the table every `pollMs`, so a notification missed while the LISTEN connection was
 * down costs time, not the answer.
 */
export const HEALTH_CHANNEL = 'tollgate_health';

/** Rows of data planes that have reported nothing for this long go (each restart of a data plane is a new id). */
export const MODEL_HEALTH_RETENTION_DAYS = 7;

/** What replicas tell each other on `HEALTH_CHANNEL`; short keys keep a request with 100 ids far below 8,000 bytes. */
const Notice = z.discriminatedUnion('k', [
  /** Replica `o` asks the others to pass request `r` (deployments `m`, null: all) on to their data planes. */
  z.object({ k: z.literal('ask'), o: z.string(), r: z.uuid(), m: z.array(z.string()).nullable() }),
  /** A replica passed request `r` on to `n` data planes. */
  z.object({ k: z.literal('sent'), r: z.uuid(), n: z.number().int().positive() }),
  /** Data plane `d`'s results for request `r` are stored. */
  z.object({ k: z.literal('done'), r: z.uuid(), d: z.string() }),
]);
type Notice = z.infer<typeof Notice>;

/** One deployment as one data plane last saw it, with the deployment's name. */
export interface ModelHealthView {
  modelId: string;
  modelName: string;
  dataPlaneId: string;
  healthy: boolean;
  latencyMs: number;
  mode: HealthCheckMode;
  error: string | null;
  checkedAt: Date;
  requestId: string | null;
}

export interface ModelHealthOptions {
  /** How long `checkModelHealth` waits for the first data plane's results; default 35 s (a check's 30 s, and the report). */
  waitMs?: number;
  /** With no data plane on this replica, how long to wait for another replica to have passed the request on; default 2 s. */
  ackMs?: number;
  /** How often a waiting request also looks for stored results; default 1 s. */
  pollMs?: number;
}

/**
 * Upserts one report's results: only for ids that name a model (deleted ones included; they are no longer listed),
 * and never over a newer check of the same deployment by the same data plane. Returns the data planes stored for.
 */
const UPSERT_SQL = `
insert into "model_health" ("model_id", "data_plane_id", "healthy", "latency_ms", "mode", "error", "checked_at", "request_id")
select m."id", r."dataPlaneId", r."healthy", r."latencyMs", r."mode", r."error", r."checkedAt", ?::uuid
  from json_to_recordset(?::json) as r("deploymentId" text, "dataPlaneId" text, "healthy" boolean, "latencyMs" int, "mode" text, "error" text, "checkedAt" timestamptz)
  join "model" m on m."id"::text = lower(r."deploymentId")
on conflict ("model_id", "data_plane_id") do update set
  "healthy" = excluded."healthy", "latency_ms" = excluded."latency_ms", "mode" = excluded."mode", "error" = excluded."error",
  "checked_at" = excluded."checked_at", "request_id" = excluded."request_id", "reported_at" = now()
  where excluded."checked_at" >= "model_health"."checked_at"
returning "data_plane_id"`;

const RETENTION_SQL = `
delete from "model_health" where "data_plane_id" in (
  select "data_plane_id" from "model_health" group by "data_plane_id"
  having max("reported_at") < now() - make_interval(days => ?))`;

/** Also answers the time of sending, in whole milliseconds rounded down (so rows stored after it compare as later). */
const NOTIFY_SQL = `select pg_notify('${HEALTH_CHANNEL}', ?) as "sent", floor(extract(epoch from now()) * 1000)::float8 as "at"`;

/** One `checkModelHealth` waiting for the first data plane's results. */
class Waiter {
  /** Whether some data plane was given the request (here, or another replica said so). */
  acked: boolean;
  readonly done: Promise<string>;
  private settle!: { resolve: (dataPlaneId: string) => void; reject: (err: unknown) => void };
  private readonly timers: NodeJS.Timeout[] = [];
  private settled = false;

  constructor(acked: boolean) {
    this.acked = acked;
    this.done = new Promise<string>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A failure before anyone awaits `done` (shutdown) must not count as an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Fails with `err` after `ms`, unless settled (or, when `unlessAcked`, acknowledged) by then. */
  failAfter(ms: number, err: () => Error, unlessAcked = false): void {
    this.timers.push(setTimeout(() => {
      if (!(unlessAcked && this.acked)) this.reject(err());
    }, ms));
  }

  every(ms: number, work: () => void): void {
    this.timers.push(setInterval(work, ms));
  }

  resolve(dataPlaneId: string): void {
    if (this.settled) return;
    this.settled = true;
    this.clear();
    this.settle.resolve(dataPlaneId);
  }

  reject(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.clear();
    this.settle.reject(err);
  }

  private clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

export class ModelHealthService {
  /** This replica's name in `ask` notices, so it can skip its own. */
  private readonly replica = randomUUID();
  private readonly waiters = new Map<string, Waiter>();
  private readonly waitMs: number;
  private readonly ackMs: number;
  private readonly pollMs: number;
  /** Per GraphQL operation, every live deployment's rows, so `Model.health` over a list costs one query. */
  private readonly perOperation = new WeakMap<object, Promise<Map<string, ModelHealthView[]>>>();

  constructor(
    private readonly orm: Orm,
    private readonly writer: AdminWriter,
    private readonly publisher: ConfigPublisher,
    private readonly logger: Logger,
    options: ModelHealthOptions = {},
  ) {
    this.waitMs = options.waitMs ?? 35_000;
    this.ackMs = options.ackMs ?? 2_000;
    this.pollMs = options.pollMs ?? 1_000;
  }

  /**
   * Has the connected data planes check deployments (`rawIds`; null: every live one) and returns the first data
   * plane's results, in the order of the deployments. Audited (`model.check`, per deployment, with the request id)
   * before any data plane is asked, since every check is a real, paid provider call.
   */
  async check(actor: Actor, rawIds: unknown): Promise<ModelHealthView[]> {
    assertCan(actor.principal, 'model.check', GLOBAL);
    const { modelIds } = parseInput(CheckModelHealthInput, { modelIds: rawIds });
    const em = this.orm.em.fork();
    const models = await liveDeployments(em, modelIds);
    if (models.length === 0) return [];
    const requestId = randomUUID();
    await this.writer.run(actor, async ({ audit }) => {
      for (const model of models) {
        audit({ action: 'model.check', entityType: 'model', entityId: model.id, orgId: null, after: { requestId, name: model.name } });
      }
    });

    const message: HealthCheckMessage = { kind: 'healthCheck', requestId, modelIds };
    // Listening before asking: a data plane may answer before the ask below returns.
    const waiter = new Waiter(false);
    this.waiters.set(requestId, waiter);
    try {
      const askedAt = await this.send(em, { k: 'ask', o: this.replica, r: requestId, m: modelIds });
      // Another replica's `sent` may have set it already.
      if (this.publisher.sendHealthCheck(message) > 0) waiter.acked = true;
      waiter.failAfter(this.ackMs, () => unavailable(NO_DATA_PLANE), true);
      waiter.failAfter(this.waitMs, () => unavailable(`No data plane reported health results within ${Math.round(this.waitMs / 1000)} s; results that arrive later are listed by modelHealth.`));
      waiter.every(this.pollMs, () => void this.poll(requestId, waiter));
      const dataPlaneId = await waiter.done;
      return await this.resultsOf(em, dataPlaneId, models, askedAt);
    } finally {
      this.waiters.delete(requestId);
    }
  }

  /**
   * Stores a data plane's results (`reportModelHealth`): the latest per deployment and data plane. Results for ids
   * that name no model are skipped. Returns how many were stored. Every report also deletes the rows of data planes
   * that have reported nothing for `MODEL_HEALTH_RETENTION_DAYS` (one statement over a table as small as the config).
   */
  async report(rawRequestId: unknown, rawResults: unknown): Promise<number> {
    const { requestId, results } = parseInput(ReportModelHealthInput, { requestId: rawRequestId, results: rawResults });
    // One row per deployment and data plane: an upsert cannot touch a row twice in one statement.
    const latest = new Map<string, (typeof results)[number]>();
    for (const result of results) {
      const key = `${result.deploymentId.toLowerCase()} ${result.dataPlaneId}`;
      const seen = latest.get(key);
      if (!seen || Date.parse(result.checkedAt) >= Date.parse(seen.checkedAt)) latest.set(key, result);
    }
    const rows = [...latest.values()].filter((r) => isUuid(r.deploymentId));
    const dataPlanes = await this.orm.em.fork().transactional(async (em) => {
      const stored = rows.length === 0 ? [] : await em.execute<Array<{ data_plane_id: string }>>(UPSERT_SQL, [requestId, JSON.stringify(rows)]);
      await em.execute(RETENTION_SQL, [MODEL_HEALTH_RETENTION_DAYS]);
      const ids = [...new Set(stored.map((row) => row.data_plane_id))];
      // Delivered when (and if) this commits, so the waiting replica can read the rows when it hears.
      if (requestId !== null) for (const d of ids) await this.send(em, { k: 'done', r: requestId, d });
      return { ids, count: stored.length };
    });
    // This replica's own waiter hears at once.
    if (requestId !== null) for (const d of dataPlanes.ids) this.heard({ k: 'done', r: requestId, d });
    return dataPlanes.count;
  }

  /** The latest results of live deployments (one deployment's with `modelId`), by deployment name, then data plane. */
  async list(actor: Actor, modelId: string | null): Promise<ModelHealthView[]> {
    assertCan(actor.principal, 'model.read', GLOBAL);
    if (modelId !== null && !isUuid(modelId)) throw notFound('Model');
    const em = this.orm.em.fork();
    const models = await em.find(Model, modelId === null ? { deletedAt: null } : { id: modelId, deletedAt: null }, { orderBy: { name: 'asc', createdAt: 'asc', id: 'asc' } });
    if (modelId !== null && models.length === 0) throw notFound('Model');
    const rows = await em.find(ModelHealth, { modelId: { $in: models.map((m) => m.id) } }, { orderBy: { dataPlaneId: 'asc' } });
    return viewsInOrder(models, rows);
  }

  /**
   * A live deployment's latest results (`Model.health`): every live deployment's are read once per GraphQL operation
   * (`operation` is its context), so a list of models costs one query, not one per model.
   */
  async forModel(actor: Actor, operation: object, modelId: string): Promise<ModelHealthView[]> {
    let all = this.perOperation.get(operation);
    if (!all) {
      all = this.list(actor, null).then((views) => {
        const byModel = new Map<string, ModelHealthView[]>();
        for (const view of views) {
          const list = byModel.get(view.modelId);
          if (list) list.push(view);
          else byModel.set(view.modelId, [view]);
        }
        return byModel;
      });
      this.perOperation.set(operation, all);
    }
    return (await all).get(modelId) ?? [];
  }

  /** A notification on `HEALTH_CHANNEL` (start.ts wires this replica's LISTEN connection here). */
  notify(payload: string): void {
    let notice: Notice;
    try {
      notice = Notice.parse(JSON.parse(payload));
    } catch (err) {
      this.logger.warn('ignored a malformed health-check notification', { error: errorMessage(err) });
      return;
    }
    this.heard(notice);
  }

  /** LISTEN is (again) in place: waiting requests look in the table now rather than at their next poll. */
  listening(): void {
    for (const [requestId, waiter] of this.waiters) void this.poll(requestId, waiter);
  }

  /** Shutdown: waiting requests end with an error rather than holding the HTTP server open. */
  close(): void {
    for (const waiter of this.waiters.values()) waiter.reject(unavailable('The control plane is shutting down.'));
  }

  private heard(notice: Notice): void {
    switch (notice.k) {
      case 'ask': {
        if (notice.o === this.replica) return;
        const sent = this.publisher.sendHealthCheck({ kind: 'healthCheck', requestId: notice.r, modelIds: notice.m });
        if (sent > 0) {
          this.send(this.orm.em.fork(), { k: 'sent', r: notice.r, n: sent }).catch((err: unknown) => {
            this.logger.warn('could not tell the other replicas a health check was passed on', { error: errorMessage(err) });
          });
        }
        return;
      }
      case 'sent': {
        const waiter = this.waiters.get(notice.r);
        if (waiter) waiter.acked = true;
        return;
      }
      case 'done':
        this.waiters.get(notice.r)?.resolve(notice.d);
        return;
    }
  }

  /** Whether some data plane's results for the request are stored already (a missed notification). */
  private async poll(requestId: string, waiter: Waiter): Promise<void> {
    try {
      const [row] = await this.orm.em.fork().find(ModelHealth, { requestId }, { orderBy: { reportedAt: 'asc' }, limit: 1, fields: ['dataPlaneId'] });
      if (row) waiter.resolve(row.dataPlaneId);
    } catch (err) {
      this.logger.warn('could not look for health-check results', { requestId, error: errorMessage(err) });
    }
  }

  /** Sends a notice to every replica (this one included); returns the database's time of sending. */
  private async send(em: EntityManager, notice: Notice): Promise<Date> {
    const [row] = await em.execute<Array<{ at: number }>>(NOTIFY_SQL, [JSON.stringify(notice)]);
    if (!row) throw new Error('pg_notify returned no row');
    return new Date(row.at);
  }

  /** The data plane's results for `models`, stored since the request was made (its own, or newer ones). */
  private async resultsOf(em: EntityManager, dataPlaneId: string, models: readonly Model[], askedAt: Date): Promise<ModelHealthView[]> {
    const rows = await em.find(ModelHealth, { dataPlaneId, modelId: { $in: models.map((m) => m.id) }, reportedAt: { $gte: askedAt } });
    return viewsInOrder(models, rows);
  }
}

const NO_DATA_PLANE =
  'No data plane is connected to run health checks: none subscribed to the config of this gateway with the healthChecks feature (data planes of earlier releases cannot run them).';

/** Live deployments by id (every id must name one; NOT_FOUND otherwise), or all of them for null. */
async function liveDeployments(em: EntityManager, ids: readonly string[] | null): Promise<Model[]> {
  if (ids === null) return em.find(Model, { deletedAt: null }, { orderBy: { name: 'asc', createdAt: 'asc', id: 'asc' } });
  if (!ids.every(isUuid)) throw notFound('Model');
  const found = await em.find(Model, { id: { $in: [...ids] }, deletedAt: null });
  if (found.length !== ids.length) throw notFound('Model');
  const byId = new Map(found.map((m) => [m.id, m]));
  return ids.map((id) => byId.get(id)!);
}

/** Rows as views, in the order of `models`, each model's rows in the order given. */
function viewsInOrder(models: readonly Model[], rows: readonly ModelHealth[]): ModelHealthView[] {
  const byModel = new Map<string, ModelHealth[]>();
  for (const row of rows) {
    const list = byModel.get(row.modelId);
    if (list) list.push(row);
    else byModel.set(row.modelId, [row]);
  }
  return models.flatMap((model) =>
    (byModel.get(model.id) ?? []).map((row) => ({
      modelId: model.id,
      modelName: model.name,
      dataPlaneId: row.dataPlaneId,
      healthy: row.healthy,
      latencyMs: row.latencyMs,
      mode: row.mode,
      error: row.error,
      checkedAt: row.checkedAt,
      requestId: row.requestId,
    })),
  );
}
