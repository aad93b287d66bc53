import { randomUUID } from 'node:crypto';
import { TeamConfig } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

/**
 * A team's tags and metadata, set through the API (they could only be declared in tollgate.yaml): shown, shipped to
 * data planes, and recorded with every request of the team's keys beside the key's and the request's own.
 */
describe('team tags and metadata', () => {
  it('are set and changed through the API, shipped to data planes, and recorded with the requests of its keys', async () => {
    const { createTeam } = await cp.admin<{ createTeam: { id: string; tags: string[]; metadata: Record<string, unknown> } }>(
      'mutation { createTeam(input: { name: "search", tags: ["cc-42", "cc-42"], metadata: { costCenter: "cc-42" } }) { id tags metadata } }',
    );
    expect(createTeam).toMatchObject({ tags: ['cc-42'], metadata: { costCenter: 'cc-42' } });
    const { updateTeam } = await cp.admin<{ updateTeam: { tags: string[]; metadata: Record<string, unknown> } }>(
      'mutation($id: ID!) { updateTeam(id: $id, input: { tags: ["cc-42", "search"], metadata: { costCenter: "cc-43" } }) { tags metadata } }',
      { id: createTeam.id },
    );
    expect(updateTeam).toEqual({ tags: ['cc-42', 'search'], metadata: { costCenter: 'cc-43' } });
    const invalid = await cp.gql('mutation($id: ID!) { updateTeam(id: $id, input: { tags: [""] }) { id } }', { id: createTeam.id }, cp.masterKey);
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { tags: ['must not be empty'] } });

    const client = cp.ws(cp.dataPlaneToken);
    const config = subscribe<{ gatewayConfig: { message: { snapshot: { teams: unknown[] } } } }>(client, 'subscription { gatewayConfig { message } }');
    const shipped = (await config.next()).gatewayConfig.message.snapshot.teams.map((t) => TeamConfig.parse(t)).find((t) => t.id === createTeam.id);
    await client.dispose();
    expect(shipped).toMatchObject({ tags: ['cc-42', 'search'], metadata: { costCenter: 'cc-43' } });

    const keyId = (await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation($t: ID!) { createKey(input: { alias: "team-key", teamId: $t, tags: ["key-tag"] }) { virtualKey { id } } }', { t: createTeam.id }))
      .createKey.virtualKey.id;
    const requestId = randomUUID();
    const res = await cp.gql<{ ingestUsage: { acknowledged: string[] } }>(
      'mutation($events: [JSON!]!) { ingestUsage(events: $events) { acknowledged } }',
      {
        events: [
          {
            requestId, keyId, teamId: createTeam.id, model: 'm', modelId: null, provider: null, route: '/v1/chat/completions', stream: false, status: 'success', httpStatus: 200,
            promptTokens: 1, completionTokens: 1, totalTokens: 2, cost: '0.000001000000', startedAt: new Date().toISOString(), durationMs: 5, dataPlaneId: 'dp', tags: ['request-tag'],
          },
        ],
      },
      cp.dataPlaneToken,
    );
    expect(res.data?.ingestUsage.acknowledged).toEqual([requestId]);
    const { requestLog } = await cp.admin<{ requestLog: { entries: Array<{ tags: string[] }> } }>(
      'query($id: String) { requestLog(filter: { requestId: $id }, first: 1) { entries { tags } } }',
      { id: requestId },
    );
    expect(requestLog.entries[0]).toEqual({ tags: ['cc-42', 'key-tag', 'request-tag', 'search'] });
    const { spendReport } = await cp.admin<{ spendReport: Array<{ value: string; requests: number }> }>(
      'query($from: DateTimeISO, $to: DateTimeISO) { spendReport(dimension: "metadata", metadataKey: "costCenter", from: $from, to: $to) { value requests } }',
      { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() },
    );
    expect(spendReport).toEqual([{ value: 'cc-43', requests: 1 }]);
  });
});
