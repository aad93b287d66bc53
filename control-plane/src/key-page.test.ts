import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
let teamId: string;

const PAGE = `query($f: KeyFilter, $first: Int!, $after: String) { keyPage(filter: $f, first: $first, after: $after) {
  keys { id alias prefix teamId } endCursor hasNextPage } }`;

interface Page {
  keys: Array<{ id: string; alias: string | null; prefix: string; teamId: string | null }>;
  endCursor: string | null;
  hasNextPage: boolean;
}

async function page(filter: Record<string, unknown>, first: number, after?: string | null, token = cp.masterKey): Promise<Page> {
  const res = await cp.gql<{ keyPage: Page }>(PAGE, { f: filter, first, after }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.keyPage;
}

async function all(filter: Record<string, unknown>, first: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const p: Page = await page(filter, first, after);
    ids.push(...p.keys.map((k) => k.id));
    if (!p.hasNextPage) return ids;
    after = p.endCursor;
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  teamId = (await cp.admin<{ createTeam: { id: string } }>('mutation { createTeam(input: { name: "paged" }) { id } }')).createTeam.id;
  for (let i = 0; i < 7; i += 1) {
    await cp.admin('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { alias: `Billing-${i}`, ...(i % 2 === 0 ? { teamId } : {}) } });
  }
  await cp.admin('mutation { createKey(input: { alias: "search_under%score" }) { key } }');
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('keyPage', () => {
  it('pages through every key newest first, each once, at any page size', async () => {
    const { keys } = await cp.admin<{ keys: Array<{ id: string }> }>('{ keys { id } }');
    for (const size of [1, 3, 500]) expect(await all({}, size)).toEqual(keys.map((k) => k.id));
  });

  it('filters by team and searches alias (any case) and prefix, treating wildcards as text', async () => {
    expect((await all({ teamId }, 2)).length).toBe(4);
    expect((await page({ search: 'billing-' }, 50)).keys.map((k) => k.alias)).toEqual(['Billing-6', 'Billing-5', 'Billing-4', 'Billing-3', 'Billing-2', 'Billing-1', 'Billing-0']);
    expect((await page({ search: 'BILLING-1' }, 50)).keys.map((k) => k.alias)).toEqual(['Billing-1']);
    expect((await page({ search: 'search_under%' }, 50)).keys.map((k) => k.alias)).toEqual(['search_under%score']);
    expect((await page({ search: 'search_under_' }, 50)).keys).toEqual([]);
    const one = (await page({}, 1)).keys[0]!;
    expect((await page({ search: one.prefix }, 50)).keys.map((k) => k.id)).toEqual([one.id]);
    expect((await page({ teamId: 'not-a-uuid' }, 50)).keys).toEqual([]);
  });

  it('refuses a cursor it did not make', async () => {
    const res = await cp.gql(PAGE, { first: 5, after: Buffer.from('["key","yesterday","x"]').toString('base64url') }, cp.masterKey);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { after: [expect.any(String)] } });
  });

  it('serves every filter from an index in page order, with no sort, at 200,000 keys', async () => {
    const em = cp.orm.em.fork();
    await em.execute(`insert into "virtual_key" ("id", "hash", "prefix", "alias", "team_id", "created_at")
      select gen_random_uuid(), md5(i::text) || md5((i * 7)::text), 'sk-tg-' || substr(md5(i::text), 1, 4), 'bulk-' || i,
             case when i % 10 = 0 then ?::uuid end, now() - make_interval(secs => i)
        from generate_series(1, 200000) as i`, [teamId]);
    await em.execute('analyze "virtual_key"');
    const cursor = (await page({}, 100)).endCursor!;
    const [createdAt, id] = (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as string[]).slice(1);
    const plans: Record<string, string> = {};
    const explain = async (name: string, where: string, params: unknown[]) => {
      const rows = await em.execute<Array<{ 'QUERY PLAN': string }>>(
        `explain select k."id", k."created_at"::text from "virtual_key" k where k."deleted_at" is null and ${where} order by k."created_at" desc, k."id" desc limit 51`,
        params,
      );
      plans[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    await explain('all, deep page', `(k."created_at", k."id") < (?::timestamptz, ?::uuid)`, [createdAt, id]);
    await explain('team', `k."team_id" = ?`, [teamId]);
    await explain('search', `(lower(k."alias") like ? or k."prefix" like ?)`, ['bulk-1999%', 'bulk-1999%']);
    for (const [name, plan] of Object.entries(plans)) {
      expect(plan, name).not.toMatch(/Seq Scan/);
      if (name !== 'search') expect(plan, name).not.toMatch(/\bSort\b/);
    }
    // And the API answers a deep page and a search over that table.
    const searched = await page({ search: 'bulk-19999' }, 50);
    expect(searched.keys.map((k) => k.alias).sort()).toEqual(['bulk-19999', 'bulk-199990', 'bulk-199991', 'bulk-199992', 'bulk-199993', 'bulk-199994', 'bulk-199995', 'bulk-199996', 'bulk-199997', 'bulk-199998', 'bulk-199999']);
  });
});
