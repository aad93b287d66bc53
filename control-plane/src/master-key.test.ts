import { hashKey, MASTER_KEY_PREFIX } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY_SETTING } from './auth/master-key.js';
import { silentLogger } from './logger.js';
import { startControlPlane } from './start.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { testSecret } from './testing/harness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const options = () => ({
  databaseUrl: db.url,
  host: '127.0.0.1',
  port: 0,
  dataPlaneToken: testSecret('tg-dp-test-'),
  logger: silentLogger,
});

async function viewerRole(graphqlUrl: string, key: string): Promise<unknown> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ viewer { role } }' }),
  });
  return res.json();
}

describe('the master key', () => {
  let generated: string;

  it('should be generated on the first start, and only its hash stored', async () => {
    const cp = await startControlPlane(options());
    try {
      expect(cp.generatedMasterKey?.startsWith(MASTER_KEY_PREFIX)).toBe(true);
      generated = cp.generatedMasterKey as string;
      expect(await viewerRole(cp.graphqlUrl, generated)).toEqual({ data: { viewer: { role: 'proxy_admin' } } });
      const rows = await cp.orm.em.fork().getConnection().execute<{ value: string }[]>(
        'select "value" from "setting" where "key" = ?',
        [MASTER_KEY_SETTING],
      );
      expect(rows).toEqual([{ value: hashKey(generated) }]);
    } finally {
      await cp.close();
    }
  });

  it('should not be generated again on a later start, and the first key should still work', async () => {
    const cp = await startControlPlane(options());
    try {
      expect(cp.generatedMasterKey).toBeUndefined();
      expect(await viewerRole(cp.graphqlUrl, generated)).toEqual({ data: { viewer: { role: 'proxy_admin' } } });
    } finally {
      await cp.close();
    }
  });

  it('should be replaced by a configured key (TOLLGATE_MASTER_KEY) without storing it', async () => {
    const configured = testSecret('sk-tg-master-configured-');
    const cp = await startControlPlane({ ...options(), masterKey: configured });
    try {
      expect(cp.generatedMasterKey).toBeUndefined();
      expect(await viewerRole(cp.graphqlUrl, configured)).toEqual({ data: { viewer: { role: 'proxy_admin' } } });
      const refused = (await viewerRole(cp.graphqlUrl, generated)) as { errors: Array<{ extensions: { code: string } }> };
      expect(refused.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      const rows = await cp.orm.em.fork().getConnection().execute('select "value" from "setting"');
      expect(rows).toEqual([{ value: hashKey(generated) }]);
    } finally {
      await cp.close();
    }
  });

  it('should not seed mock-gpt again once it was deleted', async () => {
    const cp = await startControlPlane(options());
    const graphql = (query: string, variables?: unknown) =>
      fetch(cp.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${generated}` },
        body: JSON.stringify({ query, variables }),
      }).then((r) => r.json() as Promise<{ data: { models: Array<{ id: string }> } }>);
    try {
      const { data } = await graphql('{ models { id } }');
      expect(data.models).toHaveLength(1);
      await graphql('mutation($id: ID!) { deleteModel(id: $id) }', { id: data.models[0]?.id });
    } finally {
      await cp.close();
    }
    const again = await startControlPlane(options());
    try {
      const res = await fetch(again.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${generated}` },
        body: JSON.stringify({ query: '{ models { id } }' }),
      });
      expect(await res.json()).toEqual({ data: { models: [] } });
    } finally {
      await again.close();
    }
  });

  it('should refuse to start with a data-plane token equal to the master key', async () => {
    const secret = testSecret('sk-tg-shared-');
    await expect(startControlPlane({ ...options(), masterKey: secret, dataPlaneToken: secret })).rejects.toThrow(
      'must differ',
    );
  });
});
