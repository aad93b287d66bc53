import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfigChanges, CONFIG_FEATURES_PARAM, ConfigMessage, hashKey, type ConfigSnapshot } from '@tollgate/schema';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry, ConfigChange, GuardrailPolicy, McpServer } from '../db/entities/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { startTestControlPlane, subscribe, type TestControlPlane } from '../testing/harness.js';

/**
 * The config file against a real control plane and PostgreSQL: what it declares exists and belongs to it, data
 * planes get it, edits apply within seconds, API objects are never taken over, and a bad file changes nothing.
 */

interface Update {
  gatewayConfig: { version: number; message: unknown };
}
const GATEWAY_CONFIG = 'subscription { gatewayConfig { version message } }';
const STATUS = `{ configFile { path format loadedAt contentHash checkedAt
  applied { kind declared created updated deleted unchanged conflicts }
  errors { path message } conflicts { path message } warnings { path message } } }`;

interface Status {
  path: string;
  format: string | null;
  loadedAt: string | null;
  contentHash: string | null;
  checkedAt: string | null;
  applied: Array<{ kind: string; declared: number; created: number; updated: number; deleted: number; unchanged: number; conflicts: number }>;
  errors: Array<{ path: string; message: string }>;
  conflicts: Array<{ path: string; message: string }>;
  warnings: Array<{ path: string; message: string }>;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let writes = 0;
/** Saves the way editors do: a temporary file renamed over the original (a new inode every time). */
function saveByRename(path: string, text: string): void {
  const temporary = `${path}.${(writes += 1)}.swp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

const secret = () => `sk-file-${randomBytes(16).toString('hex')}`;
const env = (name: string, value: string) => {
  process.env[name] = value;
  return name;
};

describe('a control plane with a tollgate.yaml', () => {
  let db: TestDatabase;
  let cp: TestControlPlane;
  let dir: string;
  let path: string;
  const ciKeyVar = env(`TG_TEST_CI_KEY_${randomBytes(4).toString('hex')}`, secret());
  const opsKeyHash = hashKey(secret());
  let client: ReturnType<TestControlPlane['ws']>;
  let sub: ReturnType<typeof subscribe<Update>>;
  let view: ConfigSnapshot;

  const models = (extra = '', gptOutputCost = 2) => `
models:
  - name: file-gpt
    provider: mock
    providerModel: mock-gpt
    inputCostPerMillion: 1
    outputCostPerMillion: ${gptOutputCost}
  - name: file-claude
    provider: anthropic
    providerModel: claude-sonnet-4-5
    apiKeyRef: env:ANTHROPIC_API_KEY
    inputCostPerMillion: 3
    outputCostPerMillion: 15
${extra}`;
  const rest = (keys = `
  - alias: ci
    key: env:${ciKeyVar}
    team: platform
    maxBudget: 25
  - alias: ops
    keyHash: ${opsKeyHash}
    organization: acme`) => `
organizations:
  - name: acme
    maxBudget: 1000
teams:
  - name: platform
    organization: acme
    models: [file-gpt]
keys:${keys}
guardrailPolicies:
  - name: no-secrets
    kind: secrets
    mode: pre_call
mcpServers:
  - name: github
    url: https://api.githubcopilot.com/mcp/
    authRef: env:GITHUB_TOKEN
`;
  const INITIAL = models() + rest();
  /** The file as the deletion test leaves it: later tests start from there. */
  const INITIAL_TEXT = { current: '' };

  const status = async () => (await cp.admin<{ configFile: Status }>(STATUS)).configFile;
  const counts = async () => {
    const [row] = await cp.orm.em.fork().execute<Array<{ changes: string; audits: string }>>(
      'select (select count(*) from "config_change")::text as "changes", (select count(*) from "audit_entry")::text as "audits"',
    );
    return { changes: Number(row!.changes), audits: Number(row!.audits) };
  };
  /** Follows the data plane's subscription until `done` holds for its view of the config. */
  const dataPlaneSees = async (done: (config: ConfigSnapshot) => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done(view)) {
      const message = ConfigMessage.parse((await sub.next(Math.max(1, deadline - Date.now()))).gatewayConfig.message);
      view = message.kind === 'snapshot' ? message.snapshot : applyConfigChanges(view, message.version, message.changes);
    }
    return view;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    path = join(dir, 'tollgate.yaml');
    writeFileSync(path, INITIAL);
    // No safety poll: hot reload must come from the directory watch alone.
    cp = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: { debounceMs: 100, pollMs: 0 } });
    client = cp.ws(cp.dataPlaneToken);
    sub = subscribe<Update>(client, GATEWAY_CONFIG);
    const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
    if (first.kind !== 'snapshot') throw new Error('expected a snapshot first');
    view = first.snapshot;
  });

  afterAll(async () => {
    sub?.dispose();
    await client?.dispose();
    await cp?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should create what the file declares, file-managed, instead of seeding the default model', async () => {
    const data = await cp.admin<{
      models: Array<{ name: string; managedBy: string | null }>;
      teams: Array<{ name: string; managedBy: string | null; organizationId: string }>;
      organizations: Array<{ id: string; name: string; managedBy: string | null; maxBudget: number }>;
      keys: Array<{ alias: string; managedBy: string | null; teamId: string | null; maxBudget: number | null; prefix: string }>;
    }>('{ models { name managedBy } teams { name managedBy organizationId } organizations { id name managedBy maxBudget } keys { alias managedBy teamId maxBudget prefix } }');
    expect(data.models).toEqual([
      { name: 'file-claude', managedBy: 'file' },
      { name: 'file-gpt', managedBy: 'file' },
    ]);
    expect(data.organizations).toEqual([{ id: expect.any(String), name: 'acme', managedBy: 'file', maxBudget: 1000 }]);
    expect(data.teams).toEqual([{ name: 'platform', managedBy: 'file', organizationId: data.organizations[0]!.id }]);
    expect(data.keys.map((k) => [k.alias, k.managedBy, k.maxBudget])).toEqual(
      expect.arrayContaining([
        ['ci', 'file', 25],
        ['ops', 'file', null],
      ]),
    );
    // The prefix shows at most a quarter of a hand-made secret; a hash-declared key shows part of its hash.
    expect(data.keys.find((k) => k.alias === 'ci')!.prefix).toBe(process.env[ciKeyVar]!.slice(0, 10));
    expect(data.keys.find((k) => k.alias === 'ops')!.prefix).toBe(`sha256:${opsKeyHash.slice(0, 8)}`);
    const em = cp.orm.em.fork();
    expect(await em.find(GuardrailPolicy, { deletedAt: null })).toEqual([expect.objectContaining({ name: 'no-secrets', mode: 'pre_call', managedBy: 'file' })]);
    expect(await em.find(McpServer, { deletedAt: null })).toEqual([expect.objectContaining({ name: 'github', authRef: 'env:GITHUB_TOKEN', managedBy: 'file' })]);

    const s = await status();
    expect(s).toMatchObject({ path, format: 'tollgate', errors: [], conflicts: [], warnings: [] });
    expect(s.contentHash).toBe(hashKey(INITIAL));
    expect(s.applied).toEqual(
      expect.arrayContaining([
        { kind: 'model', declared: 2, created: 2, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 },
        { kind: 'key', declared: 2, created: 2, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 },
      ]),
    );
  });

  it('should audit each change as the system, naming the file', async () => {
    const entries = await cp.orm.em.fork().find(AuditEntry, { actorId: 'system' }, { orderBy: { id: 'asc' } });
    expect(entries.map((e) => e.action).sort()).toEqual(
      ['guardrail.create', 'key.create', 'key.create', 'mcp_server.create', 'model.create', 'model.create', 'org.create', 'team.create'].sort(),
    );
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorRole: 'proxy_admin', credential: 'system', userAgent: `config file ${path}` });
      expect(entry.requestId).toMatch(/^config-file:[0-9a-f]{16}$/);
    }
    // Key hashes never reach the audit log.
    expect(JSON.stringify(entries)).not.toContain(hashKey(process.env[ciKeyVar]!));
  });

  it('should give data planes the declared models, organizations, teams and keys (only hashes of the keys)', async () => {
    expect(view.models.map((m) => m.name).sort()).toEqual(['file-claude', 'file-gpt']);
    expect(view.orgs).toEqual([expect.objectContaining({ name: 'acme', maxBudget: 1000 })]);
    expect(view.teams.map((t) => t.name)).toEqual(['platform']);
    const ci = view.keys.find((k) => k.alias === 'ci');
    expect(ci).toMatchObject({ hash: hashKey(process.env[ciKeyVar]!), teamId: view.teams[0]!.id, maxBudget: 25 });
    expect(view.keys.find((k) => k.alias === 'ops')?.hash).toBe(opsKeyHash);
  });

  it('should refuse every API change or deletion of a file-managed object with CONFLICT', async () => {
    const ids = await cp.admin<{ models: Array<{ id: string; name: string }>; teams: Array<{ id: string }>; organizations: Array<{ id: string }>; keys: Array<{ id: string; alias: string }> }>(
      '{ models { id name } teams { id } organizations { id } keys { id alias } }',
    );
    const model = ids.models.find((m) => m.name === 'file-gpt')!.id;
    const key = ids.keys.find((k) => k.alias === 'ci')!.id;
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['mutation($id: ID!) { updateModel(id: $id, input: { outputCostPerMillion: 9 }) { id } }', { id: model }],
      ['mutation($id: ID!) { deleteModel(id: $id) }', { id: model }],
      ['mutation($id: ID!) { deleteTeam(id: $id) }', { id: ids.teams[0]!.id }],
      ['mutation($id: ID!) { updateOrganization(id: $id, input: { maxBudget: 1 }) { id } }', { id: ids.organizations[0]!.id }],
      ['mutation($id: ID!) { deleteOrganization(id: $id) }', { id: ids.organizations[0]!.id }],
      ['mutation($id: ID!) { updateKey(id: $id, input: { blocked: true }) { id } }', { id: key }],
      ['mutation($id: ID!) { regenerateKey(id: $id) { key } }', { id: key }],
      ['mutation($id: ID!) { deleteKey(id: $id) }', { id: key }],
    ];
    for (const [mutation, variables] of attempts) {
      const res = await cp.gql(mutation, variables, cp.masterKey);
      expect({ mutation, code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message }).toEqual({
        mutation,
        code: 'CONFLICT',
        message: expect.stringContaining('declared in the config file'),
      });
    }
  });

  it('should apply an edit within two seconds and push it to data planes', async () => {
    const started = Date.now();
    saveByRename(path, models('', 4) + rest());
    const seen = await dataPlaneSees((c) => c.models.find((m) => m.name === 'file-gpt')?.outputCostPerMillion === 4);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2_000);
    expect(seen.models.find((m) => m.name === 'file-gpt')).toMatchObject({ inputCostPerMillion: 1, outputCostPerMillion: 4 });
    const updates = await cp.orm.em.fork().find(AuditEntry, { action: 'model.update' });
    expect(updates).toHaveLength(1);
    expect(updates[0]!.before).toMatchObject({ outputCostPerMillion: 2 });
    expect(updates[0]!.after).toMatchObject({ outputCostPerMillion: 4 });
  });

  it('should delete an object removed from the file, and data planes drop it', async () => {
    const text = models('', 4).replace(/  - name: file-claude[\s\S]*?outputCostPerMillion: 15\n/, '') + rest();
    saveByRename(path, text);
    await dataPlaneSees((c) => !c.models.some((m) => m.name === 'file-claude'));
    const { models: live } = await cp.admin<{ models: Array<{ name: string }> }>('{ models { name } }');
    expect(live.map((m) => m.name)).toEqual(['file-gpt']);
    expect((await status()).applied).toEqual(expect.arrayContaining([{ kind: 'model', declared: 1, created: 0, updated: 0, deleted: 1, unchanged: 1, conflicts: 0 }]));
    INITIAL_TEXT.current = text;
  });

  it('should not take over an object made through the API: a conflict is reported and the API object stays', async () => {
    const { createModel } = await cp.admin<{ createModel: { id: string } }>(
      'mutation { createModel(input: { name: "taken", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 7, outputCostPerMillion: 7 }) { id } }',
    );
    const before = await counts();
    const taken = `  - name: taken
    provider: openai
    providerModel: gpt-4o
    inputCostPerMillion: 1
    outputCostPerMillion: 1
  - name: file-new
    provider: mock
    providerModel: mock-gpt
    inputCostPerMillion: 1
    outputCostPerMillion: 1
`;
    saveByRename(path, models(taken, 4).replace(/  - name: file-claude[\s\S]*?outputCostPerMillion: 15\n/, '') + rest());
    const s = await waitFor('the conflict', async () => {
      const current = await status();
      return current.conflicts.length > 0 ? current : null;
    });
    expect(s.conflicts).toEqual([{ path: 'models[1]', message: expect.stringContaining('a model named "taken" was made through the API; it is left as it is') }]);
    expect(s.applied).toEqual(expect.arrayContaining([{ kind: 'model', declared: 3, created: 1, updated: 0, deleted: 0, unchanged: 1, conflicts: 1 }]));
    const { models: live } = await cp.admin<{ models: Array<{ id: string; name: string; provider: string; inputCostPerMillion: number; managedBy: string | null }> }>(
      '{ models { id name provider inputCostPerMillion managedBy } }',
    );
    expect(live.find((m) => m.name === 'taken')).toEqual({ id: createModel.id, name: 'taken', provider: 'mock', inputCostPerMillion: 7, managedBy: null });
    expect(live.find((m) => m.name === 'file-new')?.managedBy).toBe('file');
    // Only file-new was written: one config change, one audit entry.
    expect(await counts()).toEqual({ changes: before.changes + 1, audits: before.audits + 1 });
    expect(cp.logger.lines.some((l) => l.startsWith('warn config file conflict') && l.includes('models[1]'))).toBe(true);
  });

  it('should write nothing when the same file is saved again, or applied by another replica', async () => {
    const before = await counts();
    const previous = await status();
    const text = (await import('node:fs')).readFileSync(path, 'utf8');
    saveByRename(path, text);
    await waitFor('the re-check', async () => (await status()).checkedAt !== previous.checkedAt);
    expect(await counts()).toEqual(before);
    expect((await status()).loadedAt).toBe(previous.loadedAt);

    // A second replica on the same database and file applies it (its own first apply) and finds nothing to do.
    const replica = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: false, jobs: false });
    try {
      const replicaStatus = (await replica.admin<{ configFile: Status }>(STATUS)).configFile;
      expect(replicaStatus.loadedAt).not.toBeNull();
      expect(replicaStatus.applied.every((c) => c.created + c.updated + c.deleted === 0)).toBe(true);
      expect(replicaStatus.applied.find((c) => c.kind === 'model')).toMatchObject({ unchanged: 2, conflicts: 1 });
      expect(await counts()).toEqual(before);
    } finally {
      await replica.close();
    }
  });

  it('should not apply an invalid file at all: the errors are shown with their paths and the last state stays', async () => {
    const before = await counts();
    const good = await status();
    // A valid change (a new model) together with broken entries: none of it may be applied.
    const broken = models(
      `  - name: half-written
    provider: nope
    providerModel: x
    inputCostPerMillion: 1
    outputCostPerMillion: 1
  - name: also-new
    provider: mock
    providerModel: mock-gpt
    inputCostPerMillion: 1
    outputCostPerMillion: 1
`,
      4,
    ) + rest().replace('maxBudget: 1000', 'maxBudget: -5');
    saveByRename(path, broken);
    const s = await waitFor('the errors', async () => {
      const current = await status();
      return current.errors.length > 0 ? current : null;
    });
    expect(s.errors).toEqual([
      { path: 'models[2].provider', message: expect.stringContaining('Invalid option') },
      { path: 'organizations[0].maxBudget', message: 'must not be negative' },
    ]);
    expect(s.loadedAt).toBe(good.loadedAt);
    expect(s.contentHash).toBe(good.contentHash);
    expect(await counts()).toEqual(before);
    const { models: live } = await cp.admin<{ models: Array<{ name: string }> }>('{ models { name } }');
    expect(live.map((m) => m.name)).not.toContain('also-new');
    expect(cp.logger.lines.filter((l) => l.startsWith('error config file not applied') && l.includes('models[2].provider'))).toHaveLength(1);

    // A reference that resolves to nothing fails the whole file too, rolled back in its transaction.
    saveByRename(path, INITIAL_TEXT.current.replace('team: platform', 'team: ghost'));
    const ghost = await waitFor('the reference error', async () => {
      const current = await status();
      return current.errors.some((e) => e.path === 'keys[0].team') ? current : null;
    });
    expect(ghost.errors).toEqual([{ path: 'keys[0].team', message: expect.stringContaining('no team named "ghost"') }]);
    expect(await counts()).toEqual(before);

    // Fixed: applied again.
    saveByRename(path, INITIAL_TEXT.current);
    await waitFor('the fix', async () => (await status()).errors.length === 0);
  });

  it('should keep a key by alias across a secret change, and by secret across an alias change', async () => {
    const ids = async () => Object.fromEntries((await cp.admin<{ keys: Array<{ id: string; alias: string }> }>('{ keys { id alias } }')).keys.map((k) => [k.alias, k.id]));
    const before = await ids();
    const secretFile = join(dir, 'ci.key');
    const first = secret();
    writeFileSync(secretFile, `${first}\n`);
    const base = INITIAL_TEXT.current;
    saveByRename(path, base.replace(`key: env:${ciKeyVar}`, `key: file:${secretFile}`));
    await dataPlaneSees((c) => c.keys.find((k) => k.alias === 'ci')?.hash === hashKey(first));
    expect((await ids()).ci).toBe(before.ci);

    // The secret file changes (in the watched directory): the key's hash follows; the old secret stops at once.
    const second = secret();
    writeFileSync(secretFile, second);
    const rotated = await dataPlaneSees((c) => c.keys.find((k) => k.alias === 'ci')?.hash === hashKey(second));
    expect(rotated.keys.find((k) => k.alias === 'ci')).toMatchObject({ id: before.ci, previousHash: null });

    // Renamed, same secret: the same key.
    saveByRename(path, base.replace(`key: env:${ciKeyVar}`, `key: file:${secretFile}`).replace('alias: ci', 'alias: ci-renamed'));
    await dataPlaneSees((c) => c.keys.some((k) => k.alias === 'ci-renamed'));
    const after = await ids();
    expect(after['ci-renamed']).toBe(before.ci);
    expect(after.ci).toBeUndefined();

    // Removed, then declared again with the same secret: the same key comes back.
    saveByRename(path, base.replace(/\n {2}- alias: ci\n[\s\S]*?maxBudget: 25/, ''));
    await dataPlaneSees((c) => !c.keys.some((k) => k.id === before.ci));
    saveByRename(path, base.replace(`key: env:${ciKeyVar}`, `key: file:${secretFile}`));
    await dataPlaneSees((c) => c.keys.some((k) => k.id === before.ci && k.alias === 'ci'));
  });

  it('should hold back removing a team that keys made through the API still use, and say so', async () => {
    const { teams } = await cp.admin<{ teams: Array<{ id: string; name: string }> }>('{ teams { id name } }');
    await cp.admin('mutation($t: ID) { createKey(input: { teamId: $t, alias: "api-made" }) { key } }', { t: teams[0]!.id });
    // The team and the file's key in it go; the API-made key keeps the team.
    const withoutTeam = INITIAL_TEXT.current
      .replace(/teams:\n {2}- name: platform\n {4}organization: acme\n {4}models: \[file-gpt\]\n/, 'teams: []\n')
      .replace(/\n {2}- alias: ci\n[\s\S]*?maxBudget: 25/, '');
    saveByRename(path, withoutTeam);
    const s = await waitFor('the held-back removal', async () => {
      const current = await status();
      return current.conflicts.some((c) => c.path === 'teams') ? current : null;
    });
    expect(s.conflicts).toEqual(
      expect.arrayContaining([{ path: 'teams', message: 'team "platform" is no longer declared but it still has keys made through the API; it stays until then' }]),
    );
    const { teams: after } = await cp.admin<{ teams: Array<{ name: string; managedBy: string | null }> }>('{ teams { name managedBy } }');
    expect(after).toEqual([{ name: 'platform', managedBy: 'file' }]);
  });
});

describe('keys the file and the API both name', () => {
  let db: TestDatabase;
  let cp: TestControlPlane;
  let dir: string;
  let path: string;
  const appVar = env(`TG_TEST_APP_KEY_${randomBytes(4).toString('hex')}`, secret());
  const file = (alias: string) => `keys:\n  - alias: ${alias}\n    key: os.environ/${appVar}\n`;

  type Key = { id: string; alias: string | null; managedBy: string | null };
  const keys = async () => (await cp.admin<{ keys: Key[] }>('{ keys { id alias managedBy } }')).keys;
  const status = async () => (await cp.admin<{ configFile: Status }>(STATUS)).configFile;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    path = join(dir, 'tollgate.yaml');
    writeFileSync(path, file('app-renamed'));
    // A fast safety poll: it is what retries an apply while conflicts are outstanding.
    cp = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: { debounceMs: 50, pollMs: 100 }, jobs: false });
  });
  afterAll(async () => {
    await cp?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should keep the file's key as it was, not delete it, when the file renames it to an API key's alias, and say so", async () => {
    const [fileKey] = await keys();
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "app" }) { virtualKey { id } } }');
    saveByRename(path, file('app'));
    const s = await waitFor('the conflict', async () => {
      const current = await status();
      return current.conflicts.length > 0 ? current : null;
    });
    expect(await keys()).toEqual(
      expect.arrayContaining([
        { id: fileKey!.id, alias: 'app-renamed', managedBy: 'file' },
        { id: createKey.virtualKey.id, alias: 'app', managedBy: null },
      ]),
    );
    expect(await cp.orm.em.fork().count(AuditEntry, { action: 'key.delete' })).toBe(0);
    expect(s.applied.find((c) => c.kind === 'key')).toEqual({ kind: 'key', declared: 1, created: 0, updated: 0, deleted: 0, unchanged: 0, conflicts: 1 });
    expect(s.conflicts).toEqual([{ path: 'keys[0]', message: expect.stringContaining('"app" was made through the API') }]);
    expect(s.conflicts[0]!.message).toContain('stays as it was, alias "app-renamed"');
  });

  it('should retry quietly while the conflict lasts, and apply the entry once the API key in the way is deleted', async () => {
    const [fileKey] = (await keys()).filter((k) => k.managedBy === 'file');
    const apiKey = (await keys()).find((k) => k.managedBy === null)!;
    const writes = async () => ({ audits: await cp.orm.em.fork().count(AuditEntry, {}), changes: await cp.orm.em.fork().count(ConfigChange, {}) });
    const before = { writes: await writes(), lines: cp.logger.lines.length };
    // Several polls with nothing new: no writes, no logs.
    const { checkedAt } = await status();
    await waitFor('a few polls', async () => {
      const current = await status();
      return current.checkedAt !== checkedAt && Date.parse(current.checkedAt!) - Date.parse(checkedAt!) >= 300;
    });
    expect(await writes()).toEqual(before.writes);
    expect(cp.logger.lines.slice(before.lines)).toEqual([]);

    await cp.admin('mutation($id: ID!) { deleteKey(id: $id) }', { id: apiKey.id });
    const s = await waitFor('the retried apply', async () => {
      const current = await status();
      return current.conflicts.length === 0 ? current : null;
    });
    expect(s.applied.find((c) => c.kind === 'key')).toEqual({ kind: 'key', declared: 1, created: 0, updated: 1, deleted: 0, unchanged: 0, conflicts: 0 });
    expect(await keys()).toEqual([{ id: fileKey!.id, alias: 'app', managedBy: 'file' }]);
    // Logged once, when it changed something.
    expect(cp.logger.lines.slice(before.lines).filter((l) => l.startsWith('info config file applied'))).toEqual([expect.stringContaining('"updated":1')]);
  });

  it("should refuse to make or rename a key through the API to an alias the file's key has", async () => {
    const taken = await cp.gql('mutation { createKey(input: { alias: "app" }) { key } }', {}, cp.masterKey);
    const { createKey } = await cp.admin<{ createKey: { virtualKey: { id: string } } }>('mutation { createKey(input: { alias: "other" }) { virtualKey { id } } }');
    const renamed = await cp.gql('mutation($id: ID!) { updateKey(id: $id, input: { alias: "app" }) { id } }', { id: createKey.virtualKey.id }, cp.masterKey);
    for (const res of [taken, renamed]) {
      expect(res.errors?.[0]).toMatchObject({
        message: 'The alias "app" belongs to a key declared in the config file; choose another.',
        extensions: { code: 'CONFLICT', fieldErrors: { alias: [expect.stringContaining('declared in the config file')] } },
      });
    }
    expect((await keys()).map((k) => k.alias).sort()).toEqual(['app', 'other']);
  });
});

describe('the master key in the config file', () => {
  let db: TestDatabase;
  let cp: TestControlPlane;
  let dir: string;
  let path: string;
  const masterVar = env(`TG_TEST_MASTER_${randomBytes(4).toString('hex')}`, secret());

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    path = join(dir, 'tollgate.yaml');
    writeFileSync(path, `settings:\n  masterKey: os.environ/${masterVar}\nmodels: []\n`);
    cp = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: { debounceMs: 50, pollMs: 0 } });
  });
  afterAll(async () => {
    await cp?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const viewer = (token: string) => cp.gql('{ configVersion }', {}, token);

  it("should win over TOLLGATE_MASTER_KEY, follow the file's changes, and fall back when the file drops it, auditing each change", async () => {
    expect((await viewer(process.env[masterVar]!)).errors).toBeUndefined();
    // The key the control plane was started with (TOLLGATE_MASTER_KEY) does not work while the file sets one.
    expect((await viewer(cp.masterKey)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const old = process.env[masterVar]!;
    process.env[masterVar] = secret();
    saveByRename(path, `settings:\n  masterKey: env:${masterVar}\nmodels: []\n`);
    await waitFor('the new master key', async () => (await viewer(process.env[masterVar]!)).errors === undefined);
    expect((await viewer(old)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    saveByRename(path, 'models: []\n');
    await waitFor('the fallback master key', async () => (await viewer(cp.masterKey)).errors === undefined);
    expect((await viewer(process.env[masterVar]!)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Each change audited once, as the system naming the file; the key only by a prefix of its hash.
    const entries = await cp.orm.em.fork().find(AuditEntry, { action: 'master_key.update' }, { orderBy: { id: 'asc' } });
    const [first, second] = [hashKey(old), hashKey(process.env[masterVar]!)];
    const seen = (hash: string) => ({ setBy: 'config file', sha256Prefix: hash.slice(0, 8) });
    expect(entries.map((e) => [e.before, e.after])).toEqual([
      [null, seen(first)],
      [seen(first), seen(second)],
      [seen(second), null],
    ]);
    for (const entry of entries) expect(entry).toMatchObject({ actorId: 'system', entityType: 'master_key', userAgent: `config file ${path}` });
    expect(JSON.stringify(entries)).not.toContain(first);
    expect(JSON.stringify(entries)).not.toContain(second);
  });

  it('should refuse a master key that is the data-plane token, keeping the one in use, and say so', async () => {
    const tokenVar = env(`TG_TEST_TOKEN_${randomBytes(4).toString('hex')}`, cp.dataPlaneToken);
    saveByRename(path, `settings:\n  masterKey: env:${tokenVar}\nmodels: []\n`);
    const status = await waitFor('the refusal', async () => {
      const { configFile } = await cp.admin<{ configFile: Status }>(STATUS);
      return configFile.errors.length > 0 ? configFile : null;
    });
    expect(status.errors).toEqual([{ path: 'settings.masterKey', message: expect.stringContaining('cannot be used as the master key') }]);
    expect((await viewer(cp.masterKey)).errors).toBeUndefined();
    // The data-plane credential still does not administer anything.
    expect((await viewer(cp.dataPlaneToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('model groups and router settings in a tollgate.yaml', () => {
  let db: TestDatabase;
  let cp: TestControlPlane;
  let dir: string;
  let path: string;
  let client: ReturnType<TestControlPlane['ws']>;
  let sub: ReturnType<typeof subscribe<Update>>;
  let view: ConfigSnapshot;

  const mock = (name: string, extra = '') => `  - { name: ${name}, provider: mock, providerModel: mock-gpt, inputCostPerMillion: 1, outputCostPerMillion: 2${extra} }\n`;
  const file = (models: string, router = 'router:\n  strategy: least_busy\n  fallbacks: { gpt: [claude] }\n') => `models:\n${models}${router}`;
  const INITIAL = file(mock('gpt', ', deployment: east, weight: 3') + mock('gpt') + mock('claude'));

  type Deployment = { id: string; name: string; deployment: string | null; weight: number; managedBy: string | null };
  const deployments = async (name: string) =>
    (await cp.admin<{ models: Deployment[] }>('query($n: String) { models(name: $n) { id name deployment weight managedBy } }', { n: name })).models;
  const status = async () => (await cp.admin<{ configFile: Status }>(STATUS)).configFile;
  const router = async () =>
    (await cp.admin<{ routerSettings: { strategy: string; fallbacks: Record<string, string[]>; managedBy: string | null } }>('{ routerSettings { strategy fallbacks managedBy } }')).routerSettings;
  /** Saves the file and waits until it is applied (or, `refused`, until it is refused with errors). */
  const save = async (text: string, outcome: 'applied' | 'refused' = 'applied') => {
    const previous = await status();
    saveByRename(path, text);
    return waitFor(`the file to be ${outcome}`, async () => {
      const current = await status();
      if (outcome === 'applied') return current.contentHash === hashKey(text) && current.errors.length === 0 ? current : null;
      return current.errors.length > 0 && current.checkedAt !== previous.checkedAt && previous.errors.length === 0 ? current : null;
    });
  };
  const dataPlaneSees = async (done: (config: ConfigSnapshot) => boolean) => {
    while (!done(view)) {
      const message = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
      view = message.kind === 'snapshot' ? message.snapshot : applyConfigChanges(view, message.version, message.changes);
    }
    return view;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    path = join(dir, 'tollgate.yaml');
    writeFileSync(path, INITIAL);
    cp = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: { debounceMs: 50, pollMs: 0 }, jobs: false });
    client = createClient({
      url: cp.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${cp.dataPlaneToken}`, [CONFIG_FEATURES_PARAM]: ['routing'] },
      retryAttempts: 0,
      lazy: true,
    });
    sub = subscribe<Update>(client, GATEWAY_CONFIG);
    const first = ConfigMessage.parse((await sub.next()).gatewayConfig.message);
    if (first.kind !== 'snapshot') throw new Error('expected a snapshot first');
    view = first.snapshot;
  });
  afterAll(async () => {
    sub?.dispose();
    await client?.dispose();
    await cp?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should create every deployment of a name and the router settings, all owned by the file', async () => {
    expect(await deployments('gpt')).toEqual([
      expect.objectContaining({ deployment: 'east', weight: 3, managedBy: 'file' }),
      expect.objectContaining({ deployment: '#2', weight: 1, managedBy: 'file' }),
    ]);
    expect(await router()).toEqual({ strategy: 'least_busy', fallbacks: { gpt: ['claude'] }, managedBy: 'file' });
    expect(view.models.filter((m) => m.name === 'gpt')).toHaveLength(2);
    expect(view.router).toMatchObject({ strategy: 'least_busy', fallbacks: { gpt: ['claude'] } });
    expect((await status()).applied).toEqual(
      expect.arrayContaining([
        { kind: 'model', declared: 3, created: 3, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 },
        { kind: 'router', declared: 1, created: 1, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 },
      ]),
    );

    // The file's group and settings are the file's: the API may neither add to the group nor change the settings.
    const refusals = [
      await cp.gql('mutation { updateRouterSettings(input: { numRetries: 1 }) { numRetries } }', {}, cp.masterKey),
      await cp.gql('mutation { createModel(input: { name: "gpt", provider: "mock", providerModel: "mock-gpt", inputCostPerMillion: 1, outputCostPerMillion: 1 }) { id } }', {}, cp.masterKey),
    ];
    for (const res of refusals) {
      expect({ code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message }).toEqual({ code: 'CONFLICT', message: expect.stringContaining('declared in the config file') });
    }
  });

  it('should keep each deployment by its identity across edits: changed in place, added, removed', async () => {
    const before = Object.fromEntries((await deployments('gpt')).map((d) => [d.deployment, d.id]));
    // east changes, a new west comes after the positional one, which stays #2.
    const s = await save(file(mock('gpt', ', deployment: east, weight: 5') + mock('gpt') + mock('claude') + mock('gpt', ', deployment: west')));
    expect(s.errors).toEqual([]);
    expect(s.applied).toEqual(
      expect.arrayContaining([
        { kind: 'model', declared: 4, created: 1, updated: 1, deleted: 0, unchanged: 2, conflicts: 0 },
        { kind: 'router', declared: 1, created: 0, updated: 0, deleted: 0, unchanged: 1, conflicts: 0 },
      ]),
    );
    const after = await deployments('gpt');
    expect(after.map((d) => [d.deployment, d.weight])).toEqual([
      ['east', 5],
      ['#2', 1],
      ['west', 1],
    ]);
    expect(after.find((d) => d.deployment === 'east')!.id).toBe(before.east);
    expect(after.find((d) => d.deployment === '#2')!.id).toBe(before['#2']);

    // The positional deployment goes; the others stay, and so do their ids.
    await save(file(mock('gpt', ', deployment: east, weight: 5') + mock('claude') + mock('gpt', ', deployment: west')));
    const left = await deployments('gpt');
    expect(left.map((d) => d.deployment)).toEqual(['east', 'west']);
    expect(left[0]!.id).toBe(before.east);
    const seen = await dataPlaneSees((c) => !c.models.some((m) => m.id === before['#2']));
    expect(seen.models.filter((m) => m.name === 'gpt').map((m) => m.id).sort()).toEqual(left.map((d) => d.id).sort());
  });

  it('should refuse router settings naming a model the file does not leave, applying nothing', async () => {
    const good = await status();
    const s = await save(file(mock('gpt', ', deployment: east, weight: 5') + mock('gpt', ', deployment: west'), 'router:\n  fallbacks: { gpt: [claude] }\n  groupStrategies: { ghost: lowest_cost }\n'), 'refused');
    expect(s.errors).toEqual([
      { path: 'router.groupStrategies', message: '"ghost" is not a model name: declare it under models, or make it through the API' },
      { path: 'router.fallbacks', message: '"claude" (a fallback of "gpt") is not a model name: declare it under models, or make it through the API' },
    ]);
    expect(s.loadedAt).toBe(good.loadedAt);
    expect((await deployments('claude')).map((d) => d.managedBy)).toEqual(['file']);
    expect(await router()).toEqual({ strategy: 'least_busy', fallbacks: { gpt: ['claude'] }, managedBy: 'file' });
  });

  it('should hand the router settings back to the API, at their defaults, when the file stops declaring them', async () => {
    const s = await save(file(mock('gpt', ', deployment: east, weight: 5') + mock('claude') + mock('gpt', ', deployment: west'), ''));
    expect(s.errors).toEqual([]);
    expect(s.applied).toEqual(expect.arrayContaining([{ kind: 'router', declared: 0, created: 0, updated: 0, deleted: 1, unchanged: 0, conflicts: 0 }]));
    expect(await router()).toEqual({ strategy: 'weighted', fallbacks: {}, managedBy: null });
    await dataPlaneSees((c) => c.router.strategy === 'weighted');
    await cp.admin('mutation { updateRouterSettings(input: { contextWindowFallbacks: { gpt: ["claude"] } }) { numRetries } }');
  });

  it("should hold back removing the last deployment of a name the API's router settings use, and say so", async () => {
    const s = await save(file(mock('gpt', ', deployment: east, weight: 5') + mock('gpt', ', deployment: west'), ''));
    expect(s.conflicts).toEqual([{ path: 'models', message: 'model "claude" is no longer declared but the router settings name it (contextWindowFallbacks of "gpt"); it stays until then' }]);
    expect(await deployments('claude')).toHaveLength(1);
  });
});

describe("a control plane with LiteLLM's config.yaml", () => {
  let db: TestDatabase;
  let cp: TestControlPlane;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    const path = join(dir, 'config.yaml');
    writeFileSync(
      path,
      `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      weight: 2
      rpm: 500
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o
      api_base: https://acme.openai.azure.com
      api_version: "2024-10-21"
      api_key: os.environ/AZURE_API_KEY
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
    model_info:
      id: azure-east
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 3
  cooldown_time: 30
  fallbacks: [{ gpt-4o: [claude] }]
  enable_pre_call_checks: true
`,
    );
    cp = await startTestControlPlane({ databaseUrl: db.url, configFile: path, configFileWatch: false });
  });
  afterAll(async () => {
    await cp?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should declare every deployment of its model groups and its router settings, and show what it ignores as warnings', async () => {
    const { models } = await cp.admin<{ models: Array<Record<string, unknown>> }>('{ models { name provider providerModel weight rpmLimit deployment managedBy } }');
    expect(models).toEqual(
      expect.arrayContaining([
        { name: 'gpt-4o', provider: 'openai', providerModel: 'gpt-4o', weight: 2, rpmLimit: 500, deployment: '#1', managedBy: 'file' },
        { name: 'gpt-4o', provider: 'azure', providerModel: 'gpt-4o', weight: 1, rpmLimit: null, deployment: 'azure-east', managedBy: 'file' },
        { name: 'claude', provider: 'anthropic', providerModel: 'claude-sonnet-4-5', weight: 1, rpmLimit: null, deployment: '#1', managedBy: 'file' },
      ]),
    );
    expect(models).toHaveLength(3);
    const { routerSettings } = await cp.admin<{ routerSettings: Record<string, unknown> }>('{ routerSettings { strategy numRetries cooldownMs fallbacks managedBy } }');
    expect(routerSettings).toEqual({ strategy: 'weighted', numRetries: 3, cooldownMs: 30_000, fallbacks: { 'gpt-4o': ['claude'] }, managedBy: 'file' });
    const { configFile } = await cp.admin<{ configFile: Status }>(STATUS);
    expect(configFile.format).toBe('litellm');
    expect(configFile.errors).toEqual([]);
    expect(configFile.warnings).toEqual([{ path: 'router_settings.enable_pre_call_checks', message: expect.stringContaining("max_input_tokens") }]);
    expect(cp.logger.lines.some((l) => l.startsWith('warn config file warning') && l.includes('router_settings.enable_pre_call_checks'))).toBe(true);
  });
});
