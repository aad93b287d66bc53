/**
 * `npm run bench:spend`: the ledger at scale. A scratch database, migrated by a control plane, gets a realistic config
 * (5,000 keys, 40 teams, 2,000 users, 10 organizations, 40 models) and BENCH_ROWS ledger rows (default 10,000,000)
 * written with set-based SQL (generate_series) over the last 30 days: busy and quiet keys, popular and rare models,
 * 3% errors and 0.5% aborts, a third of the requests naming one of 2,000 end users. Then it measures:
 *
 * 1. the indexes: how long each takes to build over the full ledger (what the migration costs an existing
 *    deployment, under a write lock) and its size;
 * 2. every request-log filter and scope through GraphQL, as the dashboard asks (50 a page): the first page and a
 *    deep page (page 50 by cursor, or the last page when there are fewer), BENCH_RUNS times each (default 30), p50/p99,
 *    and the plan of exactly the statement the service runs (EXPLAIN ANALYZE: node types, index, buffers touched);
 * 3. ingest: BENCH_BATCHES batches of 1,000 usage events (default 20) through `ingestUsage` with the request-log
 *    indexes, then again with only the two indexes the ledger had before them, p50/p99 per batch.
 *
 * Environment: BENCH_ROWS, BENCH_RUNS, BENCH_BATCHES, BENCH_JSON (write the figures there), BENCH_KEEP_DB=1 (keep the
 * database). Needs a built control plane (the npm script builds it). See docs/performance.md.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { RequestLogInput, requestLogStatement } from '../../control-plane/dist/services/request-log.js';
import type { Visibility } from '../../control-plane/dist/auth/policy.js';
import { gql } from '../src/graphql.js';
import { canConnect, createDatabase, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from '../src/postgres.js';
import { startControlPlaneProcess } from '../src/processes.js';
import { seedConfig } from './config-seed.js';
import { percentile, sortedCopy, table } from './stats.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20);
const SEED = { keys: 5_000, models: 40, teams: 40, users: 2_000, organizations: 10 };
const PAGE = 50;
const DEEP_PAGE = 50;
const PASSWORD = 'bench password, long enough';

/** The indexes the ledger had before the request log, which the migration replaced (for the ingest comparison). */
const INDEXES_BEFORE = [
  'create index "spend_log_key_started_at_idx" on "spend_log" ("key_id", "started_at")',
  'create index "spend_log_started_at_idx" on "spend_log" ("started_at")',
];

const f = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** The ledger, over the last 30 days; keys, models and end users skewed as real traffic is (a few busy, many quiet). */
async function fillLedger(client: pg.Client, rows: number): Promise<void> {
  await client.query(`create temp table bench_key as
    select row_number() over (order by k.id) - 1 as n, k.id::text as id, k.team_id::text as team_id, k.owner_id::text as owner_id,
           coalesce(k.organization_id, t.organization_id)::text as org_id
      from virtual_key k left join team t on t.id = k.team_id`);
  const chunk = 1_000_000;
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    await insertLedgerRows(client, start, end, rows);
    process.stdout.write(`  ${end.toLocaleString('en-US')} rows\r`);
  }
  process.stdout.write('\n');
}

/**
 * Ledger rows number `from + 1` to `to` of `total`, spread over the 30 days before now by number (so rows past
 * `total` land at the newest end, as ingested requests do). Needs the `bench_key` table `fillLedger` makes.
 */
function insertLedgerRows(client: pg.Client, from: number, to: number, total: number) {
  return client.query(
    `insert into spend_log (request_id, key_id, team_id, user_id, org_id, model, model_id, provider, route, stream, status,
                            http_status, error_type, error_message, prompt_tokens, completion_tokens, total_tokens,
                            cache_read_tokens, cache_write_tokens, reasoning_tokens, estimated, cost, started_at,
                            duration_ms, ttft_ms, end_user, data_plane_id)
     select md5(i::text)::uuid::text, k.id, k.team_id, k.owner_id, k.org_id, r.model, r.model || '-eu', 'openai',
            '/v1/chat/completions', i % 3 <> 0,
            case when r.rs < 0.03 then 'error' when r.rs < 0.035 then 'aborted' else 'success' end,
            case when r.rs < 0.02 then 429 when r.rs < 0.03 then 502 else 200 end,
            case when r.rs < 0.02 then 'rate_limit_exceeded' when r.rs < 0.03 then 'upstream_error' end,
            case when r.rs < 0.03 then 'upstream said no' end,
            r.p, r.c, r.p + r.c, case when r.i % 4 = 0 then r.p / 2 else 0 end, case when r.i % 40 = 0 then r.p / 4 else 0 end,
            case when r.i % 5 = 0 then r.c / 2 else 0 end, r.i % 200 = 0,
            round((r.p * 0.0000025 + r.c * 0.00001)::numeric, 12),
            now() - interval '30 days' * (1 - r.i::float8 / $2) - interval '1 minute' + make_interval(secs => r.rs * 10),
            50 + r.c * 8, case when r.i % 3 <> 0 then 30 + r.rs * 400 end,
            case when r.i % 3 = 0 then 'customer-' || floor(power(r.re, 2) * 2000)::int end, 'dp-' || (r.i % 4)
       -- Random draws in an inner select: PostgreSQL does not flatten a subquery with volatile output, so each row
       -- draws once and every use of a draw sees the same value.
       from (select g.*, 50 + (rk * 4000)::int as p, 10 + (rm * 800)::int as c,
                    'bench-model-' || lpad((1 + floor(power(rm, 1.5) * ${SEED.models}))::int::text, 4, '0') as model
               from (select i, random() as rs, random() as re, random() as rk, random() as rm
                       from generate_series($1::int + 1, $3::int) as i) g) r
       join bench_key k on k.n = floor(power(r.rk, 2) * ${SEED.keys})::int`,
    [from, total, to],
  );
}

/** Drops the ledger's indexes (a bulk insert is far faster without them) and returns what rebuilds them. */
async function dropLedgerIndexes(client: pg.Client): Promise<Array<{ name: string; sql: string }>> {
  const { rows } = await client.query<{ name: string; sql: string }>(
    `select indexname as name, indexdef as sql from pg_indexes where tablename = 'spend_log' and indexname <> 'spend_log_pkey'`,
  );
  for (const { name } of rows) await client.query(`drop index "${name}"`);
  await client.query('alter table spend_log drop constraint spend_log_pkey');
  return [{ name: 'spend_log_pkey', sql: 'alter table spend_log add constraint spend_log_pkey primary key (request_id)' }, ...rows];
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

/** A plan as one line: `Limit › Index Scan Backward (spend_log_model_page_index)`, branches in brackets. */
function describePlan(node: PlanNode): string {
  const scan = node['Index Name'] ? `${node['Node Type']}${node['Scan Direction'] === 'Backward' ? ' Backward' : ''} (${node['Index Name']})` : node['Node Type'];
  const children = node.Plans ?? [];
  if (children.length === 0) return scan;
  if (children.length === 1) return `${scan} › ${describePlan(children[0]!)}`;
  return `${scan} › [${children.map(describePlan).join(' | ')}]`;
}

interface Query {
  name: string;
  filter: Record<string, unknown>;
  /** Who asks: a token for GraphQL and the visibility the service derives from it, for EXPLAIN. */
  as: { token: string; seen: Exclude<Visibility, { kind: 'none' }> };
}

interface PageResult {
  endCursor: string | null;
  hasNextPage: boolean;
  entries: Array<{ requestId: string }>;
}

const REQUEST_LOG = `query($f: RequestLogFilter, $first: Int!, $after: String) { requestLog(filter: $f, first: $first, after: $after) {
  entries { requestId startedAt status httpStatus model modelId provider keyId teamId userId endUser promptTokens completionTokens
            totalTokens cacheReadTokens cacheWriteTokens reasoningTokens estimated cost durationMs ttftMs errorType errorMessage tags }
  endCursor hasNextPage } }`;

async function main(): Promise<void> {
  let pgUrl = process.env.TOLLGATE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  let stopPg: (() => Promise<void>) | undefined;
  if (!(await canConnect(pgUrl))) {
    const embedded = await startEmbeddedPostgres();
    pgUrl = embedded.url;
    stopPg = embedded.stop;
  }
  const db = await createDatabase(pgUrl, 'tollgate_spendbench');
  const client = new pg.Client({ connectionString: db.url });
  const summary: Record<string, unknown> = { rows: ROWS, seed: SEED };
  let cp: Awaited<ReturnType<typeof startControlPlaneProcess>> | undefined;
  try {
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    await client.connect();
    console.log(`Spend benchmark: ${new Date().toISOString()}, node ${process.version}, ${(await client.query<{ v: string }>('select version() as v')).rows[0]!.v}`);
    await seedConfig(db.url, SEED);

    // 1. The ledger and its indexes, built as the migration builds them (default maintenance_work_mem).
    const rebuild = await dropLedgerIndexes(client);
    let start = performance.now();
    await fillLedger(client, ROWS);
    console.log(`filled ${ROWS.toLocaleString('en-US')} rows in ${f((performance.now() - start) / 1000)} s`);
    const builds: Array<[string, string, string]> = [];
    for (const { name, sql } of rebuild) {
      start = performance.now();
      await client.query(sql);
      const size = (await client.query<{ size: string }>(`select pg_size_pretty(pg_relation_size($1::regclass)) as size`, [name])).rows[0]!.size;
      builds.push([name, `${f((performance.now() - start) / 1000)} s`, size]);
    }
    start = performance.now();
    await client.query('vacuum analyze spend_log');
    const tableSize = (await client.query<{ size: string }>(`select pg_size_pretty(pg_table_size('spend_log')) as size`)).rows[0]!.size;
    console.log(`\nindexes built over the full ledger (table ${tableSize}; vacuum analyze ${f((performance.now() - start) / 1000)} s):\n${table(['index', 'build', 'size'], builds)}`);
    summary.indexes = builds;

    // Who asks: the master key (everything), an org admin, a user with their keys, the same user administering two teams.
    const admin = (query: string, variables?: Record<string, unknown>) => gql<unknown>(cp!.graphqlUrl, cp!.masterKey, query, variables);
    const pick = async (sql: string, params: unknown[] = []) => (await client.query<{ v: string }>(sql, params)).rows[0]!.v;
    const orgId = await pick(`select org_id as v from spend_log where org_id is not null group by 1 order by count(*) desc offset 3 limit 1`);
    const userId = await pick(`select user_id as v from spend_log where user_id is not null group by 1 order by count(*) desc offset 100 limit 1`);
    // Two busy teams of the user's organization (a team admin is a member, and members are of the team's organization).
    const teamIds = (
      await client.query<{ v: string }>(
        `select l.team_id as v from spend_log l join team t on t.id::text = l.team_id join app_user u on u.organization_id = t.organization_id
          where u.id = $1 group by 1 order by count(*) desc limit 2`,
        [userId],
      )
    ).rows.map((r) => r.v);
    await admin(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: { email: 'bench-org-admin@example.com', role: 'org_admin', organizationId: orgId, password: PASSWORD } });
    const email = await pick(`select email as v from app_user where id = $1`, [userId]);
    await admin(`mutation($i: SetPasswordInput!) { setPassword(input: $i) }`, { i: { userId, password: PASSWORD } });
    const login = async (address: string) => (await gql<{ login: { token: string } }>(cp!.graphqlUrl, undefined, 'mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email: address, password: PASSWORD } })).login.token;
    const orgAdmin = await login('bench-org-admin@example.com');
    const user = await login(email);
    for (const t of teamIds) await admin('mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u, role: "admin" }) { role } }', { t, u: userId });
    const teamAdmin = await login(email);

    const all = { token: cp.masterKey, seen: { kind: 'all' } as const };
    const day = new Date(Date.now() - 10 * 86_400_000);
    const value = (column: string, offset: number) => pick(`select ${column} as v from spend_log where ${column} is not null group by 1 order by count(*) desc offset ${offset} limit 1`);
    const queries: Query[] = [
      { name: 'everything', filter: {}, as: all },
      { name: 'status error', filter: { status: 'error' }, as: all },
      { name: 'status aborted', filter: { status: 'aborted' }, as: all },
      { name: 'status success', filter: { status: 'success' }, as: all },
      { name: 'model (10th busiest of 40)', filter: { model: await value('model', 9) }, as: all },
      { name: 'model (least busy)', filter: { model: await value('model', SEED.models - 1) }, as: all },
      { name: 'key (100th busiest)', filter: { keyId: await value('key_id', 99) }, as: all },
      { name: 'key (2,000th busiest)', filter: { keyId: await value('key_id', 1999) }, as: all },
      { name: 'team', filter: { teamId: await value('team_id', 5) }, as: all },
      { name: 'user', filter: { userId: await value('user_id', 50) }, as: all },
      { name: 'end user (50th busiest)', filter: { endUser: await value('end_user', 49) }, as: all },
      { name: 'one day, 10 days ago', filter: { from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() }, as: all },
      { name: 'request id', filter: { requestId: await pick(`select request_id as v from spend_log offset ${Math.floor(ROWS / 2)} limit 1`) }, as: all },
      { name: 'model + status error', filter: { model: await value('model', 9), status: 'error' }, as: all },
      { name: 'org admin: their organization', filter: {}, as: { token: orgAdmin, seen: { kind: 'org', orgId } } },
      { name: 'org admin: by model', filter: { model: await value('model', 9) }, as: { token: orgAdmin, seen: { kind: 'org', orgId } } },
      { name: 'user: own keys', filter: {}, as: { token: user, seen: { kind: 'own', userId, teamIds: [] } } },
      { name: 'team admin: own keys + 2 teams', filter: {}, as: { token: teamAdmin, seen: { kind: 'own', userId, teamIds } } },
    ];

    // 2. Each query's first and deep page, through GraphQL; then the plan of the statement the service runs.
    const fetchPage = (q: Query, after: string | null) =>
      gql<{ requestLog: PageResult }>(cp!.graphqlUrl, q.as.token, REQUEST_LOG, { f: q.filter, first: PAGE, after }).then((d) => d.requestLog);
    const time = async (q: Query, after: string | null): Promise<number[]> => {
      for (let i = 0; i < 3; i++) await fetchPage(q, after);
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await fetchPage(q, after);
        samples.push(performance.now() - t0);
      }
      return sortedCopy(samples);
    };
    const explain = async (q: Query, after: string | null) => {
      const statement = requestLogStatement(q.as.seen, RequestLogInput.parse({ ...q.filter, from: q.filter.from ? new Date(q.filter.from as string) : null, to: q.filter.to ? new Date(q.filter.to as string) : null, first: PAGE, after }));
      let n = 0;
      const sql = statement.sql.replace(/\?/g, () => `$${++n}`);
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode & { 'Shared Hit Blocks': number; 'Shared Read Blocks': number }; 'Execution Time': number }> }>(
        `explain (analyze, buffers, format json) ${sql}`,
        statement.params,
      );
      const [plan] = rows[0]!['QUERY PLAN'];
      return { shape: describePlan(plan!.Plan), buffers: plan!.Plan['Shared Hit Blocks'] + plan!.Plan['Shared Read Blocks'], ms: plan!['Execution Time'] };
    };
    const results: Array<Record<string, unknown>> = [];
    const rows: string[][] = [];
    const plans: string[] = [];
    for (const q of queries) {
      // The deep page: follow the cursor to page 50, or to the last page.
      let after: string | null = null;
      let depth = 1;
      for (; depth < DEEP_PAGE; depth++) {
        const p: PageResult = await fetchPage(q, after);
        if (!p.hasNextPage) break;
        after = p.endCursor;
      }
      const first = await time(q, null);
      const deep = after ? await time(q, after) : undefined;
      const firstPlan = await explain(q, null);
      const deepPlan = after ? await explain(q, after) : undefined;
      rows.push([
        q.name,
        `${f(percentile(first, 50))} / ${f(percentile(first, 99))}`,
        deep ? `${f(percentile(deep, 50))} / ${f(percentile(deep, 99))} (page ${depth})` : 'one page',
        `${firstPlan.buffers}${deepPlan ? ` / ${deepPlan.buffers}` : ''}`,
        `${f(firstPlan.ms, 2)}${deepPlan ? ` / ${f(deepPlan.ms, 2)}` : ''}`,
      ]);
      plans.push(`${q.name}: ${firstPlan.shape}${deepPlan && deepPlan.shape !== firstPlan.shape ? `; deep: ${deepPlan.shape}` : ''}`);
      results.push({ name: q.name, filter: q.filter, firstMs: first, deepMs: deep, deepPage: depth, firstPlan, deepPlan });
    }
    console.log(
      `\nrequestLog through GraphQL, ${PAGE} a page, ${RUNS} runs each (ms, p50 / p99); the statement under EXPLAIN ANALYZE (first / deep page): pages it touched, ms:\n${table(['query', 'first page', 'deep page', 'buffers', 'statement ms'], rows)}`,
    );
    console.log(`\nplans:\n${plans.join('\n')}`);
    summary.queries = results;

    // 3. Ingest, with the request-log indexes and with the two the ledger had before.
    const keys = (await client.query<{ id: string; team_id: string | null }>('select id::text, team_id::text from virtual_key')).rows;
    const batchTimes = async (): Promise<number[]> => {
      const samples: number[] = [];
      for (let b = 0; b < BATCHES + 2; b++) {
        const events = Array.from({ length: 1000 }, (_, i) => {
          const key = keys[(b * 1000 + i * 7919) % keys.length]!;
          return {
            requestId: randomUUID(), keyId: key.id, teamId: key.team_id, model: `bench-model-${String(1 + (i % SEED.models)).padStart(4, '0')}`,
            modelId: null, provider: 'openai', route: '/v1/chat/completions', stream: true, status: i % 33 === 0 ? 'error' : 'success',
            httpStatus: i % 33 === 0 ? 502 : 200, promptTokens: 1200, completionTokens: 300, totalTokens: 1500, cacheReadTokens: 600,
            cacheWriteTokens: 0, reasoningTokens: 100, estimated: false, cost: '0.006000000000', startedAt: new Date().toISOString(),
            durationMs: 900, ttftMs: 200, endUser: i % 3 === 0 ? `customer-${i % 2000}` : null, dataPlaneId: 'dp-bench',
          };
        });
        const t0 = performance.now();
        await gql(cp!.graphqlUrl, cp!.dataPlaneToken, 'mutation($e: [JSON!]!) { ingestUsage(events: $e) { acknowledged } }', { e: events });
        // The first two batches warm the connection pool and caches.
        if (b >= 2) samples.push(performance.now() - t0);
      }
      return sortedCopy(samples);
    };
    // The ledger insert alone, as SQL: what the indexes cost without the rest of the batch's work around it.
    let next = ROWS;
    const insertTimes = async (): Promise<number[]> => {
      const samples: number[] = [];
      for (let b = 0; b < BATCHES + 2; b++) {
        const t0 = performance.now();
        await insertLedgerRows(client, next, next + 1000, ROWS);
        next += 1000;
        if (b >= 2) samples.push(performance.now() - t0);
      }
      return sortedCopy(samples);
    };
    const withIndexes = await batchTimes();
    const insertWithIndexes = await insertTimes();
    const requestLogIndexes = builds.map(([name]) => name).filter((name) => name !== 'spend_log_pkey');
    for (const name of requestLogIndexes) await client.query(`drop index "${name}"`);
    for (const statement of INDEXES_BEFORE) await client.query(statement);
    await client.query('vacuum analyze spend_log');
    const before = await batchTimes();
    const insertBefore = await insertTimes();
    const ms = (samples: number[]) => `${f(percentile(samples, 50))} / ${f(percentile(samples, 99))}`;
    const ingestRows = [
      [`before: ${INDEXES_BEFORE.length} indexes + primary key`, ms(before), ms(insertBefore)],
      [`request log: ${requestLogIndexes.length} indexes + primary key`, ms(withIndexes), ms(insertWithIndexes)],
    ];
    console.log(
      `\n${BATCHES} batches of 1,000 at ${ROWS.toLocaleString('en-US')} rows (ms per batch, p50 / p99): ingestUsage end to end, and the ledger insert alone (SQL):\n${table(['ledger indexes', 'ingestUsage', 'ledger insert'], ingestRows)}`,
    );
    summary.ingest = { before, withIndexes, insertBefore, insertWithIndexes };
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));
  } catch (err) {
    if (cp) console.error(`--- control plane, last lines:\n${cp.process.text().split('\n').slice(-15).join('\n')}`);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
    await cp?.process.stop();
    if (!process.env.BENCH_KEEP_DB) await db.drop();
    else console.log(`database kept: ${db.url}`);
    await stopPg?.();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
