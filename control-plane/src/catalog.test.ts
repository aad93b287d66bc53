import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardrailPolicy } from './db/entities/index.js';
import { createTestDatabase, type TestDatabase } from './testing/database.js';
import { startTestControlPlane, type GraphQLResponse, type TestControlPlane } from './testing/harness.js';

let db: TestDatabase;
let cp: TestControlPlane;
let orgAdmin: string;
let member: string;
let orgId: string;
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  db = await createTestDatabase();
  cp = await startTestControlPlane({ databaseUrl: db.url });
  orgId = (await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "catalog-org" }) { id } }')).createOrganization.id;
  const login = async (email: string, role: string) => {
    await cp.admin('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { email, role, organizationId: orgId, password: PASSWORD } });
    return (await cp.gql<{ login: { token: string } }>('mutation($i: LoginInput!) { login(input: $i) { token } }', { i: { email, password: PASSWORD } })).data!.login.token;
  };
  orgAdmin = await login('admin@catalog.example', 'org_admin');
  member = await login('dev@catalog.example', 'internal_user');
});
afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

const code = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;
const ok = async <T>(res: Promise<GraphQLResponse<T>>) => {
  const r = await res;
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as T;
};

describe('the governance catalogue', () => {
  it('saves budget tiers and tags by name, and end users on a tier', async () => {
    const save = 'mutation($i: SaveBudgetTierInput!) { saveBudgetTier(input: $i) { id name maxBudget budgetDuration rpmLimit } }';
    const { saveBudgetTier: free } = await ok(cp.gql<{ saveBudgetTier: { id: string } }>(save, { i: { name: 'free', maxBudget: 1, budgetDuration: '1mo', rpmLimit: 10 } }, cp.masterKey));
    const { saveBudgetTier: again } = await ok(cp.gql<{ saveBudgetTier: { id: string; maxBudget: number } }>(save, { i: { name: 'free', maxBudget: 2 } }, cp.masterKey));
    expect(again).toMatchObject({ id: free.id, maxBudget: 2, budgetDuration: null });

    const { saveTag } = await ok(
      cp.gql<{ saveTag: unknown }>(
        'mutation { saveTag(input: { name: "prod", description: "production", maxBudget: 100, budgetDuration: "30d", rpmLimit: 600, tpmLimit: 1000000, maxParallelRequests: 8 }) { name description maxBudget spend budgetResetAt rpmLimit tpmLimit maxParallelRequests } }',
        {},
        cp.masterKey,
      ),
    );
    // Its limits too, as set.
    expect(saveTag).toMatchObject({ name: 'prod', description: 'production', maxBudget: 100, spend: 0, budgetResetAt: expect.any(String), rpmLimit: 600, tpmLimit: 1_000_000, maxParallelRequests: 8 });

    const endUser = 'mutation($i: SaveEndUserInput!) { saveEndUser(input: $i) { externalId alias blocked budgetTierId } }';
    expect((await ok(cp.gql<{ saveEndUser: unknown }>(endUser, { i: { externalId: 'cust-42', alias: 'Acme', budgetTierId: free.id } }, cp.masterKey))).saveEndUser).toEqual({
      externalId: 'cust-42',
      alias: 'Acme',
      blocked: false,
      budgetTierId: free.id,
    });
    expect((await ok(cp.gql<{ saveEndUser: unknown }>(endUser, { i: { externalId: 'cust-42', blocked: true } }, cp.masterKey))).saveEndUser).toMatchObject({ blocked: true, budgetTierId: null });
    expect((await ok(cp.gql<{ endUsers: unknown[] }>('{ endUsers(search: "cust-") { externalId } }', {}, cp.masterKey))).endUsers).toEqual([{ externalId: 'cust-42' }]);
    await ok(cp.gql(endUser, { i: { externalId: 'cust-43', budgetTierId: free.id } }, cp.masterKey));
    expect(code(await cp.gql('mutation { deleteBudgetTier(name: "free") }', {}, cp.masterKey))).toBe('CONFLICT');
    const badTier = await cp.gql(endUser, { i: { externalId: 'cust-44', budgetTierId: '00000000-0000-4000-8000-000000000000' } }, cp.masterKey);
    expect(badTier.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { budgetTierId: ['no such budget tier'] } });
  });

  it('takes limits and a budget for the end user *, the defaults of end users without settings, but no budget tier', async () => {
    const save = 'mutation($i: SaveEndUserInput!) { saveEndUser(input: $i) { externalId rpmLimit tpmLimit maxParallelRequests maxBudget softBudget budgetDuration budgetResetAt blocked } }';
    const { saveEndUser: any } = await ok(cp.gql<{ saveEndUser: { budgetResetAt: string } }>(save, { i: { externalId: '*', rpmLimit: 20, tpmLimit: 50_000, maxParallelRequests: 2, maxBudget: 5, softBudget: 1, budgetDuration: '1d' } }, cp.masterKey));
    expect(any).toEqual({ externalId: '*', rpmLimit: 20, tpmLimit: 50_000, maxParallelRequests: 2, maxBudget: 5, softBudget: 1, budgetDuration: '1d', budgetResetAt: expect.any(String), blocked: false });
    expect(Date.parse(any.budgetResetAt) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    const { saveBudgetTier: tier } = await ok(cp.gql<{ saveBudgetTier: { id: string } }>('mutation { saveBudgetTier(input: { name: "any-tier", maxBudget: 1 }) { id } }', {}, cp.masterKey));
    const refused = await cp.gql(save, { i: { externalId: '*', budgetTierId: tier.id } }, cp.masterKey);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { budgetTierId: ['is not for the end user *, whose own budget and limits apply to each end user without settings of its own: set them on * itself'] },
    });
  });

  it("keeps a subject's budget period when it is saved again with the same duration, and starts a new one for a new duration", async () => {
    const tag = 'mutation($i: SaveTagInput!) { saveTag(input: $i) { budgetResetAt } }';
    const first = (await ok(cp.gql<{ saveTag: { budgetResetAt: string } }>(tag, { i: { name: 'period', description: 'a', maxBudget: 5, budgetDuration: '1d' } }, cp.masterKey))).saveTag;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A new description only: the period stays (moving it would put off the reset and raise its alerts again).
    const edited = (await ok(cp.gql<{ saveTag: { budgetResetAt: string } }>(tag, { i: { name: 'period', description: 'b', maxBudget: 5, budgetDuration: '1d' } }, cp.masterKey))).saveTag;
    expect(edited.budgetResetAt).toBe(first.budgetResetAt);
    const weekly = (await ok(cp.gql<{ saveTag: { budgetResetAt: string } }>(tag, { i: { name: 'period', description: 'b', maxBudget: 5, budgetDuration: '7d' } }, cp.masterKey))).saveTag;
    expect(Date.parse(weekly.budgetResetAt) - Date.parse(first.budgetResetAt)).toBeGreaterThan(5 * 86_400_000);

    // A key sent back whole, its duration unchanged: the same.
    const { createKey } = await ok(cp.gql<{ createKey: { virtualKey: { id: string; budgetResetAt: string } } }>('mutation { createKey(input: { alias: "period", maxBudget: 3, budgetDuration: "1d" }) { virtualKey { id budgetResetAt } } }', {}, cp.masterKey));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { updateKey } = await ok(cp.gql<{ updateKey: { budgetResetAt: string } }>('mutation($id: ID!) { updateKey(id: $id, input: { alias: "period-2", maxBudget: 3, budgetDuration: "1d" }) { budgetResetAt } }', { id: createKey.virtualKey.id }, cp.masterKey));
    expect(updateKey.budgetResetAt).toBe(createKey.virtualKey.budgetResetAt);
  });

  it('saves guardrail policies and MCP servers with their tool permissions, validated', async () => {
    const { saveGuardrailPolicy } = await ok(
      cp.gql<{ saveGuardrailPolicy: unknown }>(
        'mutation { saveGuardrailPolicy(input: { name: "no-pii", kind: "pii", mode: "pre_call", action: "mask", settings: { entities: ["EMAIL"] } }) { name kind mode action settings defaultOn managedBy } }',
        {},
        cp.masterKey,
      ),
    );
    expect(saveGuardrailPolicy).toEqual({ name: 'no-pii', kind: 'pii', mode: 'pre_call', action: 'mask', settings: { entities: ['EMAIL'] }, defaultOn: false, managedBy: null });
    // A credential among the settings (at any depth) must be a reference: every admin reads them, the audit keeps them.
    const policy = 'mutation($i: SaveGuardrailPolicyInput!) { saveGuardrailPolicy(input: $i) { name settings } }';
    const literal = await cp.gql(policy, { i: { name: 'moderation', kind: 'webhook', mode: 'pre_call', settings: { url: 'https://mod.example.com', service: { apiKey: 'sk-mod-literal-123' } } } }, cp.masterKey);
    expect(literal.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { settings: [expect.stringMatching(/^service\.apiKey holds a credential, so its value must be a secret reference/)] } });
    expect(JSON.stringify(literal)).not.toContain('sk-mod-literal-123');
    // So must one in a webhook's URL: a user and password, or a key in the query.
    for (const url of ['https://admin:s3cret@hooks.example.com/check', 'https://hooks.example.com/check?api_key=abc123']) {
      const inUrl = await cp.gql(policy, { i: { name: 'moderation', kind: 'webhook', mode: 'pre_call', settings: { hooks: [{ url }] } } }, cp.masterKey);
      expect(inUrl.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { settings: [expect.stringMatching(/^hooks\[0\]\.url is a URL that carries a credential/)] } });
      expect(JSON.stringify(inUrl)).not.toMatch(/s3cret|abc123/);
    }
    await ok(cp.gql(policy, { i: { name: 'moderation', kind: 'webhook', mode: 'pre_call', settings: { service: { apiKey: 'env:MODERATION_KEY' }, keywords: ['a'], maxTokens: 5 } } }, cp.masterKey));
    await ok(cp.gql('mutation { deleteGuardrailPolicy(name: "moderation") }', {}, cp.masterKey));
    const badPolicy = await cp.gql('mutation { saveGuardrailPolicy(input: { name: "x", kind: "PII!", mode: "whenever" }) { name } }', {}, cp.masterKey);
    expect(badPolicy.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { kind: [expect.any(String)], mode: [expect.any(String)] } });

    const server = await ok(
      cp.gql<{ saveMcpServer: { id: string } }>(
        'mutation { saveMcpServer(input: { name: "github", url: "https://mcp.example.com/github", authRef: "env:GITHUB_MCP_TOKEN" }) { id name transport authRef } }',
        {},
        cp.masterKey,
      ),
    );
    expect(server.saveMcpServer).toMatchObject({ name: 'github', transport: 'streamable_http', authRef: 'env:GITHUB_MCP_TOKEN' });
    const secret = await cp.gql('mutation { saveMcpServer(input: { name: "leaky", url: "https://mcp.example.com", authRef: "ghp_secret" }) { id } }', {}, cp.masterKey);
    expect(secret.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { authRef: [expect.stringContaining('env:NAME')] } });

    const grant = 'mutation($i: McpToolPermissionInput!) { setMcpToolPermission(input: $i) { id subjectType subjectId tools } }';
    const serverId = server.saveMcpServer.id;
    await ok(cp.gql(grant, { i: { serverId, subjectType: 'org', subjectId: orgId, tools: ['create_issue'] } }, cp.masterKey));
    const replaced = await ok(cp.gql<{ setMcpToolPermission: { tools: string[] } }>(grant, { i: { serverId, subjectType: 'org', subjectId: orgId, tools: [] } }, cp.masterKey));
    expect(replaced.setMcpToolPermission.tools).toEqual([]);
    const permissions = await ok(cp.gql<{ mcpToolPermissions: unknown[] }>('query($s: ID!) { mcpToolPermissions(serverId: $s) { subjectType subjectId tools } }', { s: serverId }, cp.masterKey));
    expect(permissions.mcpToolPermissions).toEqual([{ subjectType: 'org', subjectId: orgId, tools: [] }]);
    const nobody = await cp.gql(grant, { i: { serverId, subjectType: 'team', subjectId: orgId } }, cp.masterKey);
    expect(nobody.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { subjectId: ['no such team'] } });
    await ok(cp.gql('mutation { deleteMcpServer(name: "github") }', {}, cp.masterKey));
    expect((await ok(cp.gql<{ mcpServers: unknown[] }>('{ mcpServers { name } }', {}, cp.masterKey))).mcpServers).toEqual([]);
  });

  it('lets org admins read the catalogue but not change it, and internal users neither; every change is audited', async () => {
    expect((await ok(cp.gql<{ guardrailPolicies: unknown[] }>('{ guardrailPolicies { name } }', {}, orgAdmin))).guardrailPolicies).toEqual([{ name: 'no-pii' }]);
    expect(code(await cp.gql('mutation { saveTag(input: { name: "mine" }) { name } }', {}, orgAdmin))).toBe('FORBIDDEN');
    expect(code(await cp.gql('{ endUsers { externalId } }', {}, orgAdmin))).toBe('FORBIDDEN');
    expect(code(await cp.gql('{ tags { name } }', {}, member))).toBe('FORBIDDEN');
    const { auditLog } = await ok(cp.gql<{ auditLog: { entries: Array<{ action: string }> } }>('{ auditLog(first: 100) { entries { action } } }', {}, cp.masterKey));
    for (const action of ['budget_tier.create', 'budget_tier.update', 'tag.create', 'end_user.create', 'end_user.update', 'guardrail.create', 'mcp_server.create', 'mcp_permission.set', 'mcp_server.delete']) {
      expect(auditLog.entries.map((e) => e.action)).toContain(action);
    }
  });

  it("shows an organization's admin the MCP grants of its own organization only, and files a removal under the subject's organization", async () => {
    const other = (await cp.admin<{ createOrganization: { id: string } }>('mutation { createOrganization(input: { name: "other-catalog-org" }) { id } }')).createOrganization.id;
    const team = (await cp.admin<{ createTeam: { id: string } }>('mutation($o: ID!) { createTeam(input: { name: "other-team", organizationId: $o }) { id } }', { o: other })).createTeam.id;
    const serverId = (await ok(cp.gql<{ saveMcpServer: { id: string } }>('mutation { saveMcpServer(input: { name: "tools", url: "https://mcp.example.com/tools" }) { id } }', {}, cp.masterKey))).saveMcpServer.id;
    const grant = 'mutation($i: McpToolPermissionInput!) { setMcpToolPermission(input: $i) { id } }';
    await ok(cp.gql(grant, { i: { serverId, subjectType: 'org', subjectId: orgId, tools: ['search'] } }, cp.masterKey));
    const theirs = (await ok(cp.gql<{ setMcpToolPermission: { id: string } }>(grant, { i: { serverId, subjectType: 'team', subjectId: team, tools: ['their-secret-tool'] } }, cp.masterKey))).setMcpToolPermission.id;
    const listed = (token: string) => ok(cp.gql<{ mcpToolPermissions: Array<{ subjectId: string }> }>('query($s: ID!) { mcpToolPermissions(serverId: $s) { subjectId tools } }', { s: serverId }, token));
    expect((await listed(orgAdmin)).mcpToolPermissions).toEqual([{ subjectId: orgId, tools: ['search'] }]);
    expect((await listed(cp.masterKey)).mcpToolPermissions).toHaveLength(2);
    await ok(cp.gql('mutation($id: ID!) { removeMcpToolPermission(id: $id) }', { id: theirs }, cp.masterKey));
    const [removal] = await cp.orm.em.fork().execute<Array<{ org_id: string }>>(`select "org_id" from "audit_entry" where "action" = 'mcp_permission.remove' order by "id" desc limit 1`);
    expect(removal?.org_id).toBe(other);
    // And an upstream URL with a credential in it is refused, as a model's apiBase is.
    const leaky = await cp.gql('mutation { saveMcpServer(input: { name: "leaky-url", url: "https://mcp.example.com/tools?token=tok-123" }) { id } }', {}, cp.masterKey);
    expect(leaky.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: { url: [expect.stringMatching(/^must carry no credential .* authRef/)] } });
  });

  it('refuses to change a policy declared in the config file', async () => {
    await cp.orm.em.fork().nativeUpdate(GuardrailPolicy, { name: 'no-pii' }, { managedBy: 'file' });
    const res = await cp.gql('mutation { saveGuardrailPolicy(input: { name: "no-pii", kind: "pii", mode: "post_call" }) { name } }', {}, cp.masterKey);
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining('config file'), extensions: { code: 'CONFLICT' } });
    expect(code(await cp.gql('mutation { deleteGuardrailPolicy(name: "no-pii") }', {}, cp.masterKey))).toBe('CONFLICT');
  });
});
