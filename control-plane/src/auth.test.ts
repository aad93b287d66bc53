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

const codes = (res: { errors?: Array<{ extensions?: { code?: string } }> }) => res.errors?.map((e) => e.extensions?.code);

describe('authentication', () => {
  it('should refuse admin operations without a credential', async () => {
    const res = await cp.gql('{ teams { id } }');
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    expect(res.data).toBeNull();
  });

  it('should refuse a wrong key, and a malformed Authorization value, exactly like a missing one', async () => {
    const wrong = await cp.gql('{ teams { id } }', {}, 'sk-tg-master-not-the-key-at-all');
    const missing = await cp.gql('{ teams { id } }');
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);

    const res = await fetch(cp.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: cp.masterKey }, // no "Bearer"
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    expect(codes((await res.json()) as Parameters<typeof codes>[0])).toEqual(['UNAUTHENTICATED']);
  });

  it('should accept the master key as proxy_admin', async () => {
    expect(await cp.admin('{ viewer { role } }')).toEqual({ viewer: { role: 'proxy_admin' } });
  });

  it('should refuse the data-plane token for admin queries and mutations', async () => {
    const query = await cp.gql('{ viewer { role } }', {}, cp.dataPlaneToken);
    expect(codes(query)).toEqual(['FORBIDDEN']);
    const mutation = await cp.gql('mutation { createTeam(input: { name: "x" }) { id } }', {}, cp.dataPlaneToken);
    expect(codes(mutation)).toEqual(['FORBIDDEN']);
    expect(await cp.admin('{ teams { id } }')).toEqual({ teams: [] });
  });

  it('should refuse the master key for ingestUsage', async () => {
    const res = await cp.gql('mutation { ingestUsage(events: []) { acknowledged } }', {}, cp.masterKey);
    expect(codes(res)).toEqual(['FORBIDDEN']);
  });

  it('should accept the data-plane token for ingestUsage', async () => {
    const res = await cp.gql('mutation { ingestUsage(events: []) { acknowledged } }', {}, cp.dataPlaneToken);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ ingestUsage: { acknowledged: [] } });
  });

  it('should never log a credential', () => {
    const logs = cp.logger.lines.join('\n');
    expect(logs).not.toContain(cp.masterKey);
    expect(logs).not.toContain(cp.dataPlaneToken);
  });
});

describe('authentication over graphql-ws', () => {
  it('should close a connection without a valid credential before any operation runs', async () => {
    for (const token of [undefined, 'sk-tg-wrong-credential-0000']) {
      const client = cp.ws(token);
      const sub = subscribe(client, 'subscription { gatewayConfig { version } }');
      const err = (await sub.error()) as { code?: number };
      expect(err.code).toBe(4403);
      await client.dispose();
    }
  });

  it('should refuse gatewayConfig to the master key and spendUpdated to the data plane', async () => {
    const admin = cp.ws(cp.masterKey);
    const dataPlane = cp.ws(cp.dataPlaneToken);
    try {
      const config = subscribe(admin, 'subscription { gatewayConfig { version } }');
      const spend = subscribe(dataPlane, 'subscription { spendUpdated { totalSpend } }');
      expect(await config.error()).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
      expect(await spend.error()).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
      expect(cp.logger.lines.join('\n')).not.toContain('unexpected error');
    } finally {
      await admin.dispose();
      await dataPlane.dispose();
    }
  });
});
