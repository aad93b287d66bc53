import pg from 'pg';

/**
 * Seeds a migrated Tollgate database for the config benchmark with set-based SQL (generate_series), not through the
 * API: 500,000 keys through GraphQL would take longer than everything the benchmark measures.
 *
 * The data is shaped like a large deployment rather than like a test fixture: keys are sha-256 hashes of random
 * secrets (`sk-tg-` + 32 random bytes, as `generateSecret` makes them), most keys belong to a team and an owner,
 * half have an alias, and a fraction carries the settings people actually set (model lists, metadata, model
 * aliases, tags, budgets, rate limits, expiry, a regeneration grace period, blocked). Models are a mix of
 * providers with prices, capacity and tags. Everything is deterministic apart from the secrets.
 */
export interface SeedCounts {
  keys: number;
  models: number;
  teams: number;
  users: number;
  organizations: number;
}

export const DEFAULT_SEED: SeedCounts = { keys: 500_000, models: 2_000, teams: 500, users: 20_000, organizations: 20 };

/** The public name of the n-th seeded model (1-based), e.g. `bench-model-0001`. */
export const seededModelName = (n: number): string => `bench-model-${String(n).padStart(4, '0')}`;

export async function seedConfig(databaseUrl: string, counts: SeedCounts): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(
      `insert into organization (id, name, created_at)
       select gen_random_uuid(), 'bench-org-' || g, now() from generate_series(1, $1::int) g`,
      [counts.organizations],
    );
    // Teams: a third restrict models; some have budgets and rate limits.
    await client.query(
      `insert into team (id, name, organization_id, models, max_budget, budget_duration, rpm_limit, metadata, tags, created_at)
       select gen_random_uuid(), 'bench-team-' || g,
              (select id from organization order by name offset (g % $2::int) limit 1),
              case when g % 3 = 0 then array(select 'bench-model-' || lpad(((g * 7 + i * 13) % $3::int + 1)::text, 4, '0') from generate_series(1, 8) i)
                   else '{}'::text[] end,
              case when g % 4 = 0 then 1000 + g end,
              case when g % 4 = 0 then '30d' end,
              case when g % 5 = 0 then 600 end,
              case when g % 2 = 0 then jsonb_build_object('cost_center', 'cc-' || g) else '{}'::jsonb end,
              case when g % 6 = 0 then array['prod'] else '{}'::text[] end,
              now()
       from generate_series(1, $1::int) g`,
      [counts.teams, counts.organizations, counts.models],
    );
    await client.query(
      `insert into app_user (id, email, name, role, organization_id, created_at)
       select gen_random_uuid(), 'bench-user-' || g || '@example.com', 'Bench User ' || g, 'internal_user',
              (select id from organization order by name offset (g % $2::int) limit 1), now()
       from generate_series(1, $1::int) g`,
      [counts.users, counts.organizations],
    );
    const providers = `(array['openai','azure','anthropic','openai_compatible','bedrock','gemini'])[g % 6 + 1]`;
    await client.query(
      `insert into model (id, name, provider, provider_model, api_base, api_key_ref, api_version, region,
                          input_cost_per_million, output_cost_per_million, cached_input_cost_per_million,
                          rpm_limit, tpm_limit, weight, max_input_tokens, access_groups, tags, created_at)
       select gen_random_uuid(), 'bench-model-' || lpad(g::text, 4, '0'), p, 'upstream-model-' || g,
              case p when 'azure' then 'https://bench-' || g || '.openai.azure.com'
                     when 'openai_compatible' then 'http://vllm-' || (g % 50) || '.internal:8000/v1' end,
              case when p <> 'bedrock' then 'env:BENCH_' || upper(p) || '_KEY' end,
              case p when 'azure' then '2024-10-21' end,
              case p when 'bedrock' then 'us-east-1' end,
              (g % 40) * 0.25, (g % 40) * 1.0, case when g % 2 = 0 then (g % 40) * 0.125 end,
              case when g % 3 = 0 then 10000 end, case when g % 3 = 0 then 2000000 end,
              1 + g % 3, 128000,
              case when g % 4 = 0 then array['group-' || (g % 10)] else '{}'::text[] end,
              case when g % 5 = 0 then array['tier-' || (g % 3)] else '{}'::text[] end,
              now()
       from (select g, ${providers} as p from generate_series(1, $1::int) g) s`,
      [counts.models],
    );
    // Keys. Teams and users are picked by row number (joined, not sub-selected per row, so 500k rows take seconds).
    await client.query(`create temp table bench_team as select row_number() over (order by name) as n, id, organization_id from team`);
    await client.query(`create temp table bench_user as select row_number() over (order by email) as n, id, organization_id from app_user`);
    await client.query(
      `insert into virtual_key (id, hash, prefix, alias, team_id, organization_id, owner_id, models, max_budget, budget_duration,
                                budget_reset_at, rpm_limit, tpm_limit, blocked, expires_at, metadata, model_aliases, tags,
                                previous_hash, previous_hash_expires_at, created_at)
       select gen_random_uuid(), encode(sha256(convert_to(s.secret, 'UTF8')), 'hex'), left(s.secret, 10),
              case when g % 2 = 0 then 'service-' || g end,
              t.id, coalesce(t.organization_id, u.organization_id), u.id,
              case when g % 10 = 0 then array(select 'bench-model-' || lpad(((g + i * 97) % $2::int + 1)::text, 4, '0') from generate_series(1, 3) i)
                   else '{}'::text[] end,
              case when g % 10 = 1 then 50 + g % 500 end,
              case when g % 10 = 1 then '30d' end,
              case when g % 10 = 1 then now() + interval '30 days' end,
              case when g % 20 = 2 then 60 end,
              case when g % 20 = 2 then 100000 end,
              g % 100 = 3,
              case when g % 10 = 4 then now() + interval '90 days' end,
              case when g % 10 = 5 then jsonb_build_object('env', 'prod', 'cost_center', 'cc-' || (g % 300), 'owner', 'svc-' || (g % 1000)) else '{}'::jsonb end,
              case when g % 50 = 6 then jsonb_build_object('gpt', 'bench-model-0001', 'claude', 'bench-model-0003') else '{}'::jsonb end,
              case when g % 20 = 7 then array['batch', 'team-' || (g % 40)] else '{}'::text[] end,
              case when g % 200 = 8 then encode(sha256(convert_to(s.secret || '-old', 'UTF8')), 'hex') end,
              case when g % 200 = 8 then now() + interval '1 day' end,
              now() - (g || ' seconds')::interval
       from (select g, 'sk-tg-' || translate(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64'), '+/=', '-_') as secret
             from generate_series(1, $1::int) g) s
       left join bench_team t on g % 5 <> 0 and t.n = g % $3::int + 1
       left join bench_user u on g % 3 <> 0 and u.n = g % $4::int + 1`,
      [counts.keys, counts.models, counts.teams, counts.users],
    );
    // One change row, so the snapshot's version is 1 and later mutations make deltas from it.
    await client.query(`insert into config_change (entity, entity_id, op) select 'key', id, 'upsert' from virtual_key limit 1`);
    await client.query('commit');
    await client.query('analyze');
    // Control planes LISTEN on tollgate_config: the publisher reads the new version at once.
    await client.query(`select pg_notify('tollgate_config', max(version)::text) from config_change`);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
