import { hashKey, VIRTUAL_KEY_PREFIX } from '@tollgate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type TestControlPlane } from './testing/harness.js';

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

const CREATE_TEAM = 'mutation($input: CreateTeamInput!) { createTeam(input: $input) { id name models maxBudget spend keyCount createdAt } }';
const CREATE_KEY = `mutation($input: CreateKeyInput!) { createKey(input: $input) {
  key virtualKey { id prefix alias teamId team { id name keyCount } models maxBudget spend blocked createdAt } } }`;
const CREATE_MODEL = 'mutation($input: CreateModelInput!) { createModel(input: $input) { id name provider providerModel apiBase apiKeyRef inputCostPerMillion outputCostPerMillion } }';

interface Created {
  createKey: { key: string; virtualKey: { id: string; prefix: string; teamId: string | null; team: { keyCount: number } | null } };
}

const firstError = (res: { errors?: Array<{ extensions?: { code?: string; fieldErrors?: Record<string, string[]> } }> }) =>
  res.errors?.[0]?.extensions;

describe('a fresh install', () => {
  it('should serve the mock-gpt model seeded on first start', async () => {
    const { models } = await cp.admin<{ models: unknown[] }>('{ models { name provider providerModel inputCostPerMillion outputCostPerMillion } }');
    expect(models).toEqual([
      { name: 'mock-gpt', provider: 'mock', providerModel: 'mock-gpt', inputCostPerMillion: 1, outputCostPerMillion: 2 },
    ]);
  });

  it('should answer GET /healthz', async () => {
    const res = await fetch(`${cp.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('teams', () => {
  it('should create a team and list it', async () => {
    const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, {
      input: { name: 'research', models: ['mock-gpt', 'mock-gpt'], maxBudget: 25 },
    });
    expect(createTeam).toMatchObject({ name: 'research', models: ['mock-gpt'], maxBudget: 25, spend: 0, keyCount: 0 });
    const { teams } = await cp.admin<{ teams: Array<{ id: string }> }>('{ teams { id name } }');
    expect(teams).toContainEqual({ id: createTeam.id, name: 'research' });
  });

  it('should answer CONFLICT for a duplicate name', async () => {
    await cp.admin(CREATE_TEAM, { input: { name: 'platform' } });
    const res = await cp.gql(CREATE_TEAM, { input: { name: 'platform' } }, cp.masterKey);
    expect(firstError(res)?.code).toBe('CONFLICT');
  });

  it('should report invalid fields as BAD_USER_INPUT with fieldErrors', async () => {
    const res = await cp.gql(CREATE_TEAM, { input: { name: '   ', maxBudget: -1 } }, cp.masterKey);
    expect(firstError(res)?.code).toBe('BAD_USER_INPUT');
    expect(Object.keys(firstError(res)?.fieldErrors ?? {}).sort()).toEqual(['maxBudget', 'name']);
  });

  it('should refuse a budget or price too large for the money columns as a field error, not an internal error', async () => {
    const team = await cp.gql(CREATE_TEAM, { input: { name: 'rich', maxBudget: 1e308 } }, cp.masterKey);
    expect(firstError(team)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { maxBudget: ['must be at most 1000000000 (USD)'] } });
    const key = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { modelLimits: { 'gpt-4o': { maxBudget: 1e20 } } } }, cp.masterKey);
    expect(firstError(key)?.code).toBe('BAD_USER_INPUT');
    const endUser = await cp.gql('mutation { saveEndUser(input: { externalId: "big", maxBudget: 1e12 }) { id } }', {}, cp.masterKey);
    expect(firstError(endUser)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { maxBudget: ['must be at most 1000000000 (USD)'] } });
    // Team member budgets, on the team and on one member (they were an internal error from 1e12 on).
    const teamId = (await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, { input: { name: 'member-budgets' } })).createTeam.id;
    const members = await cp.gql('mutation($id: ID!) { updateTeam(id: $id, input: { memberMaxBudget: 1e12 }) { id } }', { id: teamId }, cp.masterKey);
    expect(firstError(members)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { memberMaxBudget: ['must be at most 1000000000 (USD)'] } });
    const member = await cp.gql('mutation($t: ID!) { setTeamMember(input: { teamId: $t, userId: "00000000-0000-4000-8000-000000000000", maxBudget: 1e12 }) { role } }', { t: teamId }, cp.masterKey);
    expect(firstError(member)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { maxBudget: ['must be at most 1000000000 (USD)'] } });
  });

  it('should refuse a NUL character anywhere in an input as a field error, not an internal error that logs the statement', async () => {
    const key = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { alias: 'nul\u0000alias' } }, cp.masterKey);
    expect(firstError(key)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { alias: ['must not contain a NUL character (\\u0000)'] } });
    const nested = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { metadata: { deep: [{ 'k\u0000': 1 }] } } }, cp.masterKey);
    expect(firstError(nested)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { metadata: [expect.stringContaining('NUL')] } });
    expect(cp.logger.lines.join('\n')).not.toContain('nul\u0000alias');
  });

  it('should refuse an unpaired surrogate in a JSON input (jsonb cannot store it) as a field error, and keep real pairs', async () => {
    const lone = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { metadata: { note: 'half \ud83d of an emoji' } } }, cp.masterKey);
    expect(firstError(lone)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { metadata: [expect.stringContaining('unpaired UTF-16 surrogate')] } });
    const inKey = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { metadata: { ['\udc00']: 1 } } }, cp.masterKey);
    expect(firstError(inKey)?.code).toBe('BAD_USER_INPUT');
    const whole = await cp.admin<Created>(CREATE_KEY, { input: { alias: 'emoji \ud83d\ude00', metadata: { note: 'a whole \ud83d\ude00' } } });
    expect(whole.createKey.key).toMatch(/^sk-tg-/);
  });

  it('should refuse to delete a team that has keys (CONFLICT), then delete it once they are gone', async () => {
    const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, { input: { name: 'doomed' } });
    const { createKey } = await cp.admin<Created>(CREATE_KEY, { input: { teamId: createTeam.id } });
    const refused = await cp.gql('mutation($id: ID!) { deleteTeam(id: $id) }', { id: createTeam.id }, cp.masterKey);
    expect(firstError(refused)?.code).toBe('CONFLICT');

    await cp.admin('mutation($id: ID!) { deleteKey(id: $id) }', { id: createKey.virtualKey.id });
    expect(await cp.admin('mutation($id: ID!) { deleteTeam(id: $id) }', { id: createTeam.id })).toEqual({ deleteTeam: true });
    const again = await cp.gql('mutation($id: ID!) { deleteTeam(id: $id) }', { id: createTeam.id }, cp.masterKey);
    expect(firstError(again)?.code).toBe('NOT_FOUND');
    // The name is free again.
    await cp.admin(CREATE_TEAM, { input: { name: 'doomed' } });
  });
});

describe('keys', () => {
  it('should return the key once, store only its hash, and never list either', async () => {
    const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, { input: { name: 'keys-team' } });
    const { createKey } = await cp.admin<Created>(CREATE_KEY, {
      input: { teamId: createTeam.id, alias: 'ci', models: ['mock-gpt'], maxBudget: 5 },
    });
    const { key, virtualKey } = createKey;
    expect(key.startsWith(VIRTUAL_KEY_PREFIX)).toBe(true);
    expect(key.length).toBeGreaterThan(40);
    expect(virtualKey).toMatchObject({
      prefix: key.slice(0, 10),
      alias: 'ci',
      teamId: createTeam.id,
      team: { id: createTeam.id, name: 'keys-team', keyCount: 1 },
      models: ['mock-gpt'],
      maxBudget: 5,
      spend: 0,
      blocked: false,
    });

    const listed = await cp.gql(
      '{ keys { id prefix alias teamId team { id name keyCount } models maxBudget spend blocked createdAt } teams { id keyCount } }',
      {},
      cp.masterKey,
    );
    const body = JSON.stringify(listed);
    expect(body).toContain(virtualKey.id);
    expect(body).not.toContain(key);
    expect(body).not.toContain(hashKey(key));

    const [row] = await cp.orm.em.fork().getConnection().execute<{ hash: string }[]>(
      'select "hash" from "virtual_key" where "id" = ?',
      [virtualKey.id],
    );
    expect(row?.hash).toBe(hashKey(key));
  });

  it('should list keys newest first, optionally by team', async () => {
    const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, { input: { name: 'ordering' } });
    const first = await cp.admin<Created>(CREATE_KEY, { input: { teamId: createTeam.id, alias: 'first' } });
    const second = await cp.admin<Created>(CREATE_KEY, { input: { teamId: createTeam.id, alias: 'second' } });
    const { keys } = await cp.admin<{ keys: Array<{ id: string }> }>('query($t: ID) { keys(teamId: $t) { id } }', {
      t: createTeam.id,
    });
    expect(keys.map((k) => k.id)).toEqual([second.createKey.virtualKey.id, first.createKey.virtualKey.id]);
    const all = await cp.admin<{ keys: Array<{ id: string }> }>('{ keys { id } }');
    expect(all.keys[0]?.id).toBe(second.createKey.virtualKey.id);
  });

  it('should refuse a key that would be expired when made, and a tag name no header could carry', async () => {
    const expired = await cp.gql('mutation($i: CreateKeyInput!) { createKey(input: $i) { key } }', { i: { expiresAt: '2001-01-01T00:00:00Z' } }, cp.masterKey);
    expect(firstError(expired)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { expiresAt: ['must be in the future (a key made expired could never be used)'] } });
    const comma = await cp.gql('mutation { saveTag(input: { name: "team,ci" }) { id } }', {}, cp.masterKey);
    expect(firstError(comma)).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { name: ['must not contain a comma (x-tollgate-tags separates tags with commas)'] } });
  });

  it('should create a key without a team', async () => {
    const { createKey } = await cp.admin<Created>(CREATE_KEY, { input: {} });
    expect(createKey.virtualKey).toMatchObject({ teamId: null, team: null });
  });

  it('should answer NOT_FOUND for an unknown or malformed teamId', async () => {
    for (const teamId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await cp.gql(CREATE_KEY, { input: { teamId } }, cp.masterKey);
      expect(firstError(res)?.code).toBe('NOT_FOUND');
    }
  });

  it('should delete a key, after which it is no longer listed', async () => {
    const { createKey } = await cp.admin<Created>(CREATE_KEY, { input: { alias: 'temp' } });
    await cp.admin('mutation($id: ID!) { deleteKey(id: $id) }', { id: createKey.virtualKey.id });
    const { keys } = await cp.admin<{ keys: Array<{ id: string }> }>('{ keys { id } }');
    expect(keys.map((k) => k.id)).not.toContain(createKey.virtualKey.id);
    const again = await cp.gql('mutation($id: ID!) { deleteKey(id: $id) }', { id: createKey.virtualKey.id }, cp.masterKey);
    expect(firstError(again)?.code).toBe('NOT_FOUND');
  });
});

describe('models', () => {
  const input = {
    name: 'gpt-4o-mini',
    provider: 'openai',
    providerModel: 'gpt-4o-mini',
    apiBase: 'https://api.openai.com/v1',
    apiKeyRef: 'env:OPENAI_API_KEY',
    inputCostPerMillion: 0.15,
    outputCostPerMillion: 0.6,
  };

  it('should create a model, add a second deployment of its name, and delete both', async () => {
    const { createModel } = await cp.admin<{ createModel: { id: string } }>(CREATE_MODEL, { input });
    expect(createModel).toMatchObject(input);
    // The same name again is a second deployment of the model group, not a conflict.
    const { createModel: second } = await cp.admin<{ createModel: { id: string } }>(CREATE_MODEL, { input });
    expect(second.id).not.toBe(createModel.id);
    const named = async () => (await cp.admin<{ models: Array<{ name: string }> }>('{ models { name } }')).models.filter((m) => m.name === 'gpt-4o-mini');
    expect(await named()).toHaveLength(2);
    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: createModel.id });
    expect(await named()).toHaveLength(1);
    await cp.admin('mutation($id: ID!) { deleteModel(id: $id) }', { id: second.id });
    expect(await named()).toHaveLength(0);
  });

  it('should refuse a plaintext secret where a secret reference belongs, and an unknown provider', async () => {
    const res = await cp.gql(
      CREATE_MODEL,
      { input: { ...input, name: 'bad', provider: 'nope', apiKeyRef: 'sk-live-123', apiBase: 'not a url', inputCostPerMillion: -1 } },
      cp.masterKey,
    );
    expect(firstError(res)?.code).toBe('BAD_USER_INPUT');
    expect(Object.keys(firstError(res)?.fieldErrors ?? {}).sort()).toEqual([
      'apiBase',
      'apiKeyRef',
      'inputCostPerMillion',
      'provider',
    ]);
  });

  it("should refuse credential references to the gateway's own secrets, which a model would send to its apiBase", async () => {
    const res = await cp.gql(
      CREATE_MODEL,
      {
        input: {
          ...input,
          name: 'exfil',
          apiKeyRef: 'env:TOLLGATE_MASTER_KEY',
          extraHeaders: { 'X-Token': 'env:TOLLGATE_DATA_PLANE_TOKEN', 'X-Env': 'file:/proc/self/environ' },
        },
      },
      cp.masterKey,
    );
    expect(firstError(res)).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: {
        apiKeyRef: ["TOLLGATE_MASTER_KEY is the gateway's own secret, not a provider credential"],
        extraHeaders: [
          "X-Token: TOLLGATE_DATA_PLANE_TOKEN is the gateway's own secret, not a provider credential",
          "X-Env: files under /proc hold the processes' own state (their environment), not provider credentials",
        ],
      },
    });
  });

  it('should refuse a file reference that names a file by way of another path (.. or //), such as /proc by a detour', async () => {
    for (const apiKeyRef of ['file:/dev/../proc/self/environ', 'file://proc/self/environ', 'file:run/secrets/openai', 'file:/run/./secrets']) {
      const res = await cp.gql(CREATE_MODEL, { input: { ...input, name: 'detour', apiKeyRef } }, cp.masterKey);
      expect(firstError(res), apiKeyRef).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { apiKeyRef: ['a file reference is an absolute path without . or .. segments or //, e.g. file:/run/secrets/openai'] },
      });
    }
  });
});

describe('config versions', () => {
  it('should increase configVersion with every config mutation, and not for refused ones', async () => {
    const version = async () => (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;
    const v0 = await version();
    expect(v0).toBeGreaterThan(0); // the seeded model was the first change
    const { createTeam } = await cp.admin<{ createTeam: { id: string } }>(CREATE_TEAM, { input: { name: 'versioned' } });
    const v1 = await version();
    expect(v1).toBeGreaterThan(v0);
    await cp.gql(CREATE_TEAM, { input: { name: 'versioned' } }, cp.masterKey); // CONFLICT: no change
    expect(await version()).toBe(v1);
    await cp.admin('mutation($id: ID!) { deleteTeam(id: $id) }', { id: createTeam.id });
    expect(await version()).toBeGreaterThan(v1);
  });

  it('should hand out versions in commit order when writers race', async () => {
    const before = (await cp.admin<{ configVersion: number }>('{ configVersion }')).configVersion;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => cp.admin(CREATE_TEAM, { input: { name: `race-${i}` } })),
    );
    const rows = await cp.orm.em.fork().getConnection().execute<{ version: string }[]>(
      'select "version" from "config_change" where "version" > ? order by "created_at", "version"',
      [before],
    );
    const versions = rows.map((r) => Number(r.version));
    expect(versions).toHaveLength(10);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});
