import type { EntityManager } from '@mikro-orm/postgresql';
import { isValidKeyConfig, KeyConfig, type KeyConfigInput } from '@tollgate/schema';
import { periodIntervalSql } from './budget-period.js';

/**
 * The keys of a config snapshot, read with plain SQL instead of entities: with 500,000 keys, hydrating
 * `VirtualKey` entities (identity map, change-set snapshots, lazy hashes) took minutes and gigabytes. Rows are read
 * through a cursor in batches and mapped straight to the wire form (`KeyConfigInput` without default fields, as
 * `compactKeyConfig` makes them). Columns come through MikroORM's own connection and are converted exactly as its
 * types convert them for entities (numeric with `+`, bigint with `Number`, timestamps with the platform's date
 * parser), so a key reads the same here as through `keyConfig(entity)` (config-key-rows.test.ts checks both).
 */

/**
 * The name under which key `k`'s per-model limits (`model_limits`) count ledger row `l`, answered by model `d` (left
 * joined on `model_id`: null when the model is gone), as data planes count it (`keyModelLimited`): the name of the
 * model that answered when the key limits it (an alias counts under its target, a fallback under itself), else the
 * name the client asked for when only that has limits (an alias limited under its own name); null when neither.
 */
export const keyModelLimitedSql = (k: string, l: string, d: string) =>
  `(case when ${d}."name" is not null and jsonb_exists(${k}."model_limits", ${d}."name") then ${d}."name" when jsonb_exists(${k}."model_limits", ${l}."model") then ${l}."model" end)`;

/**
 * A key's `model_limits` (`k`), each model's budget with what the key has spent on that model in its current budget
 * period (`spend`), for a data plane to start its per-model counter from: without it a data plane without Redis (or
 * after Redis lost its data) started every per-model budget at zero. Spent on a model is counted as data planes count
 * it (`keyModelLimitedSql`). The period is the key's, as for its own spend; without a duration, all time.
 * Keys without a per-model budget read as they are (no ledger read).
 */
export const MODEL_LIMITS_SQL = `case
    when k."model_limits" = '{}'::jsonb then null
    when not jsonb_path_exists(k."model_limits", '$.*.maxBudget') then k."model_limits"
    else (select jsonb_object_agg(m.key, case when s."cost" > 0 then m.value || jsonb_build_object('spend', s."cost") else m.value end)
            from jsonb_each(k."model_limits") m
            left join lateral (
              select sum(l."cost")::float8 as "cost" from "spend_log" l left join "model" d on d."id"::text = l."model_id"
               where m.value -> 'maxBudget' is not null and l."key_id" = k."id"::text and ${keyModelLimitedSql('k', 'l', 'd')} = m.key
                 and l."started_at" >= case when k."budget_duration" is null or k."budget_reset_at" is null then '-infinity'::timestamptz
                   else ((k."budget_reset_at" at time zone 'UTC') - ${periodIntervalSql('k."budget_duration"')}) at time zone 'UTC' end
            ) s on true)
  end`;

/** Columns at their default come back as null, so most of a typical key's row is nulls. */
const KEY_COLUMNS = `
  k."id", k."hash", k."prefix", k."alias", k."team_id", k."owner_id", k."organization_id",
  nullif(k."models", '{}') as "models",
  k."max_budget", k."soft_budget", k."budget_duration", k."budget_reset_at",
  k."rpm_limit", k."tpm_limit", k."max_parallel_requests", nullif(k."spend", 0) as "spend",
  k."blocked", k."expires_at",
  ${MODEL_LIMITS_SQL} as "model_limits",
  nullif(k."model_aliases", '{}'::jsonb) as "model_aliases",
  nullif(k."metadata", '{}'::jsonb) as "metadata",
  nullif(k."tags", '{}') as "tags",
  nullif(k."guardrails", '{}') as "guardrails",
  nullif(k."enforced_params", '{}') as "enforced_params",
  nullif(k."allowed_ips", '{}') as "allowed_ips",
  nullif(k."allowed_routes", '{}') as "allowed_routes",
  k."temp_budget_increase", k."temp_budget_expires_at",
  k."previous_hash", k."previous_hash_expires_at"`;

/** Management and read-only keys call the API, never models: data planes do not get them. */
const LIVE_LLM_KEYS = `from "virtual_key" k where k."deleted_at" is null and k."key_type" = 'llm_api'`;

export interface KeyRow {
  id: string;
  hash: string;
  prefix: string;
  alias: string | null;
  team_id: string | null;
  owner_id: string | null;
  organization_id: string | null;
  models: string[] | null;
  max_budget: string | null;
  soft_budget: string | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  rpm_limit: number | null;
  tpm_limit: string | null;
  max_parallel_requests: number | null;
  spend: string | null;
  blocked: boolean;
  expires_at: string | null;
  model_limits: Record<string, unknown> | null;
  model_aliases: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  tags: string[] | null;
  guardrails: string[] | null;
  enforced_params: string[] | null;
  allowed_ips: string[] | null;
  allowed_routes: string[] | null;
  temp_budget_increase: string | null;
  temp_budget_expires_at: string | null;
  previous_hash: string | null;
  previous_hash_expires_at: string | null;
}

/** Rows per cursor fetch: a few MB at a time, whatever the number of keys. */
const FETCH_ROWS = 10_000;

/**
 * Every live `llm_api` key, in creation order, through a cursor of the caller's transaction (which must be open:
 * a cursor lives until its transaction ends). `onRow` sees each row once; nothing is kept here.
 */
export async function forEachKeyRow(em: EntityManager, onRow: (row: KeyRow) => void): Promise<void> {
  await em.execute(`declare "config_keys" no scroll cursor for select ${KEY_COLUMNS} ${LIVE_LLM_KEYS} order by k."created_at", k."id"`);
  try {
    for (;;) {
      const rows = await em.execute<KeyRow[]>(`fetch forward ${FETCH_ROWS} from "config_keys"`);
      for (const row of rows) onRow(row);
      if (rows.length < FETCH_ROWS) break;
    }
  } finally {
    await em.execute('close "config_keys"');
  }
}

/**
 * The per-model limits of the keys with these ids that have a per-model budget, with their spend (`MODEL_LIMITS_SQL`),
 * for the config changes that carry those keys.
 */
export async function modelLimitsWithSpend(em: EntityManager, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  const rows = await em.execute<Array<{ id: string; model_limits: Record<string, unknown> }>>(
    `select k."id", ${MODEL_LIMITS_SQL} as "model_limits" from "virtual_key" k
      where k."id" in (select jsonb_array_elements_text(?::jsonb)::uuid) and jsonb_path_exists(k."model_limits", '$.*.maxBudget')`,
    [JSON.stringify(ids)],
  );
  return new Map(rows.map((r) => [r.id, r.model_limits]));
}

/** The rows of the keys with these ids (for tests and spot checks). */
export function keyRowsById(em: EntityManager, ids: readonly string[]): Promise<KeyRow[]> {
  return em.execute<KeyRow[]>(`select ${KEY_COLUMNS} ${LIVE_LLM_KEYS} and k."id" = any(?::uuid[])`, [ids]);
}

/**
 * Turns key rows into the wire form. One per snapshot: the team, owner and organization ids that thousands of keys
 * repeat are kept once (a 500,000-key snapshot held as parsed rows would otherwise hold each as its own string).
 */
export class KeyRowMapper {
  private readonly strings = new Map<string, string>();

  constructor(private readonly em: EntityManager) {}

  /**
   * A key row in the wire form: only the fields that are not at their default. Throws (zod's error) when the key
   * does not satisfy `KeyConfig`, so nothing a data plane would refuse leaves the control plane.
   */
  map(row: KeyRow): KeyConfigInput {
    return keyInputFromRow(row, this.em, (value) => {
      if (value === null) return null;
      const known = this.strings.get(value);
      if (known !== undefined) return known;
      this.strings.set(value, value);
      return value;
    });
  }
}

/** `KeyRowMapper.map` for one row; `shared` may return an equal string kept from earlier rows. */
export function keyInputFromRow(row: KeyRow, em: EntityManager, shared: (value: string | null) => string | null = (v) => v): KeyConfigInput {
  const platform = em.getPlatform();
  const iso = (value: string | null) => (value === null ? null : (platform.parseDate(value) as Date).toISOString());
  const key: Record<string, unknown> = { id: row.id, hash: row.hash, prefix: row.prefix };
  const put = (field: string, value: unknown) => {
    if (value !== null && value !== undefined) key[field] = value;
  };
  put('alias', row.alias);
  put('teamId', shared(row.team_id));
  put('userId', shared(row.owner_id));
  put('orgId', shared(row.organization_id));
  put('models', row.models);
  put('maxBudget', row.max_budget === null ? null : +row.max_budget);
  put('softBudget', row.soft_budget === null ? null : +row.soft_budget);
  put('budgetDuration', row.budget_duration);
  put('budgetResetAt', iso(row.budget_reset_at));
  put('rpmLimit', row.rpm_limit);
  put('tpmLimit', row.tpm_limit === null ? null : Number(row.tpm_limit));
  put('maxParallelRequests', row.max_parallel_requests);
  put('spend', row.spend === null ? null : +row.spend);
  if (row.blocked) key.blocked = true;
  put('expiresAt', iso(row.expires_at));
  put('modelLimits', row.model_limits);
  put('modelAliases', row.model_aliases);
  put('metadata', row.metadata);
  put('tags', row.tags);
  put('guardrails', row.guardrails);
  put('enforcedParams', row.enforced_params);
  put('allowedIps', row.allowed_ips);
  put('allowedRoutes', row.allowed_routes);
  put('tempBudgetIncrease', row.temp_budget_increase === null ? null : +row.temp_budget_increase);
  put('tempBudgetExpiresAt', iso(row.temp_budget_expires_at));
  put('previousHash', row.previous_hash);
  put('previousHashExpiresAt', iso(row.previous_hash_expires_at));
  if (!isValidKeyConfig(key)) KeyConfig.parse(key); // throws zod's error, naming what is wrong
  return key as KeyConfigInput;
}
