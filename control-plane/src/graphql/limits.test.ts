import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from '../testing/harness.js';
import { MAX_COMPLEXITY, MAX_DEPTH } from './limits.js';

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

/** Twelve pages of 500 audit entries with four fields each: 12 × (1 + 500 × (1 + 4)) plus change. */
const TWELVE_PAGES = Array.from({ length: 12 }, (_, i) => `p${i}: auditLog(first: 500) { entries { id action entityType entityId } }`).join(' ');

describe('query limits', () => {
  it('runs ordinary dashboard queries, including a full page', async () => {
    const res = await cp.gql('{ viewer { role } keys { id team { id name } } auditLog(first: 500) { entries { id action } hasNextPage } }', {}, cp.masterKey);
    expect(res.errors).toBeUndefined();
    expect(res.data).toMatchObject({ viewer: { role: 'proxy_admin' } });
  });

  it('refuses a list without a page repeated under many aliases: each returns every row there is', async () => {
    // 300 × keys: the whole list, 300 times over (53 s for 2,000 such aliases against 30 keys, before).
    const aliases = Array.from({ length: 300 }, (_, i) => `k${i}: keys { id alias }`).join(' ');
    const res = await cp.gql(`{ ${aliases} }`, {}, cp.masterKey);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining(`the limit is ${MAX_COMPLEXITY}`), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    // A few lists at once are an ordinary query.
    const few = await cp.gql('{ keys { id } teams { id name } models { id name health { healthy } } users { id email } }', {}, cp.masterKey);
    expect(few.errors).toBeUndefined();
  });

  it('answers introspection of every type, field and argument: it costs the schema, not data', async () => {
    const res = await cp.gql('{ __schema { types { name fields { name args { name type { name kind ofType { name kind } } } type { name kind ofType { name kind } } } } } }', {}, cp.masterKey);
    expect(res.errors).toBeUndefined();
    expect((res.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(50);
  });

  it('refuses a query nested too deep, before running it', async () => {
    // Introspection types nest as deep as one asks: 11 levels here.
    const tooDeep = '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }';
    const res = await cp.gql(tooDeep, {}, cp.masterKey);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]).toMatchObject({ message: `The query is 11 levels deep; the limit is ${MAX_DEPTH}.`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('refuses a query that asks for too much, over HTTP and over graphql-ws', async () => {
    const res = await cp.gql(`{ ${TWELVE_PAGES} }`, {}, cp.masterKey);
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining(`the limit is ${MAX_COMPLEXITY}`), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

    const client = cp.ws(cp.masterKey);
    try {
      const sub = subscribe(client, `query { ${TWELVE_PAGES} }`);
      const errors = (await sub.error()) as Array<{ message?: string }>;
      expect(errors[0]?.message).toContain(`the limit is ${MAX_COMPLEXITY}`);
    } finally {
      await client.dispose();
    }
  });
});
