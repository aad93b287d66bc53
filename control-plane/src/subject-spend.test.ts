import { ConfigMessage, isSubjectSpendMessage, SubjectSpendMessage, type ConfigSnapshot, type SubjectSpendEntry } from '@tollgate/schema';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from './jobs/runner.js';
import { spendRecount } from './jobs/spend-recount.js';
import { silentLogger } from './logger.js';
import { createServices } from './services/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { dataPlaneClient, roundTrip, startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';
import { usageEvent } from './testing/usage-event.js';

/**
 * The spend usage ingest counts reaches data planes (`subjectSpend` messages on the config stream), so a budget counter
 * a data plane makes again after Redis lost it starts from what was spent, not from the spend of the subject's last
 * config change. Each subject with a budget is sent with the end of the period its spend belongs to, exactly as the
 * config names it (data planes use a figure only for the period their config is in); subjects without one are not
 * sent, and data planes that do not list the feature get nothing new.
 */
let db: TestDatabase;
let cp: TestControlPlane;
const ids = {} as Record<'org' | 'user' | 'team' | 'key' | 'plainKey' | 'tag' | 'membership', string>;

interface Update {
  gatewayConfig: { version: number; message: unknown };
}
const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url, jobs: false });
  const id = <T extends Record<string, { id: string }>>(data: T) => Object.values(data)[0]!.id;
  ids.org = id(await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "spend-org", maxBudget: 100, budgetDuration: "30d" }) { id } }'));
  ids.user = id(
    await cp.admin<{ createUser: { id: string } }>('mutation($o: ID) { createUser(input: { email: "spender@example.com", role: "internal_user", organizationId: $o, maxBudget: 50, budgetDuration: "7d" }) { id } }', { o: ids.org }),
  );
  ids.team = id(
    await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID) { createTeam(input: { name: "spend-team", organizationId: $o, maxBudget: 20, budgetDuration: "1d", memberMaxBudget: 5 }) { id } }', { o: ids.org }),
  );
  await cp.admin('mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { role } }', { i: { teamId: ids.team, userId: ids.user } });
  ids.key = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($t: ID, $u: ID) { createKey(input: { teamId: $t, ownerId: $u, maxBudget: 10, budgetDuration: "1h" }) { virtualKey { id } } }', { t: ids.team, u: ids.user })).createKey.virtualKey.id;
  ids.plainKey = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "no budget" }) { virtualKey { id } } }')).createKey.virtualKey.id;
  ids.tag = id(await cp.admin<{ saveTag: { id: string } }>('mutation { saveTag(input: { name: "proj", maxBudget: 30, budgetDuration: "1mo" }) { id } }'));
  await cp.admin('mutation { saveEndUser(input: { externalId: "*", maxBudget: 2, budgetDuration: "1d" }) { id } }');
  ids.membership = ((await cp.orm.em.fork().execute(`select "id" from "team_membership" where "user_id" = ?`, [ids.user])) as Array<{ id: string }>)[0]!.id;
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

async function ingest(...events: ReturnType<typeof usageEvent>[]): Promise<void> {
  const res = await cp.gql('mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged rejected { reason } } }', { events }, cp.dataPlaneToken);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  expect((res.data as { ingestUsage: { rejected: unknown[] } }).ingestUsage.rejected).toEqual([]);
}

/** A subscribed data plane: its snapshot, and a way to wait for the next message of its stream. */
async function connect(client: Client) {
  const sub = subscribe<Update>(client, GATEWAY_CONFIG);
  const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
  if (first.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${first.kind}`);
  await roundTrip(client);
  return { sub, snapshot: first.snapshot };
}

/** The end of `subject`'s period as the config states it, in epoch ms: what the data plane compares with. */
const resetOf = (subject: { budgetResetAt?: string | null } | undefined) => (subject?.budgetResetAt ? Date.parse(subject.budgetResetAt) : null);

function expectedSpend(snapshot: ConfigSnapshot, spent: number): SubjectSpendEntry[] {
  const team = snapshot.teams.find((t) => t.id === ids.team)!;
  return [
    ['key', ids.key, spent, resetOf(snapshot.keys.find((k) => k.id === ids.key))],
    ['team', ids.team, spent, resetOf(team)],
    ['team_member', ids.membership, spent, resetOf(team)],
    ['user', ids.user, spent, resetOf(snapshot.users.find((u) => u.id === ids.user))],
    ['org', ids.org, spent, resetOf(snapshot.orgs.find((o) => o.id === ids.org))],
    ['end_user', 'e1', spent, resetOf(snapshot.endUsers.find((e) => e.externalId === '*'))],
    ['tag', ids.tag, spent, resetOf(snapshot.tags.find((t) => t.name === 'proj'))],
  ];
}

describe('subject spend for data planes', () => {
  it('sends every budgeted subject a batch touched with its spend and period, as it grows, only to data planes that take it', async () => {
    const newer = dataPlaneClient(cp, ['governedSubjects', 'subjectSpend']);
    const older = dataPlaneClient(cp);
    try {
      const { sub, snapshot } = await connect(newer);
      const before = await connect(older);
      // Every subject's period is one the config names (a data plane ignores a figure for another period).
      for (const [, , , reset] of expectedSpend(snapshot, 0)) expect(reset).toEqual(expect.any(Number));

      const charged = { teamId: ids.team, endUser: 'e1', tags: ['proj'] };
      await ingest(usageEvent(ids.key, 1.5, charged), usageEvent(ids.plainKey, 0.25));
      const first = SubjectSpendMessage.parse((await sub.next()).gatewayConfig.message);
      expect(first.spend).toEqual(expect.arrayContaining(expectedSpend(snapshot, 1.5)));
      // The key without a budget is not sent: nothing seeds a counter from it.
      expect(first.spend).toHaveLength(7);

      await ingest(usageEvent(ids.key, 0.75, charged), usageEvent(ids.key, 0.25, charged));
      const second = SubjectSpendMessage.parse((await sub.next()).gatewayConfig.message);
      expect(second.spend).toEqual(expect.arrayContaining(expectedSpend(snapshot, 2.5)));

      // A data plane that does not list `subjectSpend` got neither (it would refuse a message it does not know).
      await roundTrip(older);
      expect(before.sub.items).toHaveLength(1);
      sub.dispose();
      before.sub.dispose();
    } finally {
      await newer.dispose();
      await older.dispose();
    }
  });

  it("sends a key's spend on each model with a budget of its own, in the key's period, counted from the ledger when its limits or period change", async () => {
    const model = (name: string) =>
      cp.admin<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
        i: { name, provider: 'openai', providerModel: name, apiBase: 'https://api.openai.com/v1', apiKeyRef: 'env:OPENAI_API_KEY', inputCostPerMillion: 1, outputCostPerMillion: 2 },
      });
    const budgeted = (await model('budgeted-model')).createModel.id;
    const other = (await model('other-model')).createModel.id;
    const limits = { 'budgeted-model': { maxBudget: 5 }, 'other-model': { rpm: 100 } };
    const keyId = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($l: JSON) { createKey(input: { alias: "per-model", modelLimits: $l, budgetDuration: "1d" }) { virtualKey { id } } }', { l: limits }))
      .createKey.virtualKey.id;
    const setLimits = (l: unknown) => cp.admin('mutation($id: ID!, $l: JSON) { updateKey(id: $id, input: { modelLimits: $l }) { id } }', { id: keyId, l });
    const client = dataPlaneClient(cp, ['governedSubjects', 'subjectSpend']);
    try {
      const { sub } = await connect(client);
      const keyModelSpend = async (...events: ReturnType<typeof usageEvent>[]) => {
        await ingest(...events);
        // Config changes come on the same stream: wait for the subject spend with the key's model.
        for (;;) {
          const raw = (await sub.next()).gatewayConfig.message;
          if (!isSubjectSpendMessage(raw)) continue;
          const message = SubjectSpendMessage.parse(raw);
          const entries = message.spend.filter(([kind]) => kind === 'key_model');
          if (entries.length > 0) return entries;
        }
      };
      const on = (modelId: string, cost: number) => usageEvent(keyId, cost, { modelId });
      const resetOfKey = async () => {
        const rows = await cp.orm.em.fork().execute<Array<{ r: number }>>(`select floor(extract(epoch from "budget_reset_at") * 1000)::float8 as "r" from "virtual_key" where "id" = ?`, [keyId]);
        return Number(rows[0]!.r);
      };
      const reset = await resetOfKey();

      // Only the model with a budget, in the key's period; the other model's spend is not its.
      expect(await keyModelSpend(on(budgeted, 1.25), on(other, 7))).toEqual([['key_model', `${keyId}/budgeted-model`, 1.25, reset]]);
      expect(await keyModelSpend(on(budgeted, 0.5), on(budgeted, 0.25))).toEqual([['key_model', `${keyId}/budgeted-model`, 2, reset]]);

      // Its budget taken away, spend goes on without it; given back, the model is counted from the ledger again.
      await setLimits({ 'other-model': { rpm: 100 } });
      await ingest(on(budgeted, 1));
      await setLimits(limits);
      expect(await keyModelSpend(on(budgeted, 0.5))).toEqual([['key_model', `${keyId}/budgeted-model`, 3.5, reset]]);

      // A new period (a new duration starts one now): only what was spent in it.
      await cp.admin('mutation($id: ID!) { updateKey(id: $id, input: { budgetDuration: "1h" }) { id } }', { id: keyId });
      const newReset = await resetOfKey();
      expect(newReset).not.toBe(reset);
      expect(await keyModelSpend(on(budgeted, 0.75))).toEqual([['key_model', `${keyId}/budgeted-model`, 0.75, newReset]]);
      expect(await keyModelSpend(on(budgeted, 0.25))).toEqual([['key_model', `${keyId}/budgeted-model`, 1, newReset]]);

      // A budget on a key's alias alone counts what clients asked for by the alias, as data planes count it; the
      // config's figure agrees.
      const aliased = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>(
        'mutation { createKey(input: { alias: "aliased", modelAliases: { cheap: "budgeted-model" }, modelLimits: { cheap: { maxBudget: 2 } } }) { virtualKey { id } } }',
      )).createKey.virtualKey.id;
      const byAlias = (cost: number) => usageEvent(aliased, cost, { model: 'cheap', modelId: budgeted });
      expect(await keyModelSpend(byAlias(0.5), usageEvent(aliased, 3, { modelId: budgeted }))).toEqual([['key_model', `${aliased}/cheap`, 0.5, null]]);
      expect(await keyModelSpend(byAlias(0.25))).toEqual([['key_model', `${aliased}/cheap`, 0.75, null]]);
      const later = await connect(dataPlaneClient(cp, ['governedSubjects', 'subjectSpend']));
      expect(later.snapshot.keys.find((k) => k.id === aliased)?.modelLimits).toEqual({ cheap: { maxBudget: 2, spend: 0.75 } });
      later.sub.dispose();

      // Spend an older control plane took in reached the ledger but not the per-model counter: the recount job
      // catches up, and the next batch adds to the right figure.
      const stored = async () => Number((await cp.orm.em.fork().execute<Array<{ s: string }>>(`select "spend"::text as "s" from "key_model_spend" where "key_id" = ?`, [aliased]))[0]!.s);
      await cp.orm.em.fork().execute(`update "key_model_spend" set "spend" = "spend" - 0.5 where "key_id" = ?`, [aliased]);
      expect(await stored()).toBeCloseTo(0.25, 9);
      const job = spendRecount(createServices({ orm: cp.orm, logger: silentLogger }).writer);
      const runner = new JobRunner(cp.orm, silentLogger).register(job);
      expect((await runner.runNow(job.name)).outcome).toBe('succeeded');
      await runner.stop();
      expect(await stored()).toBeCloseTo(0.75, 9);
      expect(await keyModelSpend(byAlias(0.25))).toEqual([['key_model', `${aliased}/cheap`, 1, null]]);
      sub.dispose();
    } finally {
      await client.dispose();
    }
  });
});
