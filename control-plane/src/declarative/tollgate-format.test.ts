import { describe, expect, it } from 'vitest';
import { parseConfigText, type ParseResult } from './parse.js';

const ok = (result: ParseResult) => {
  if (!result.ok) throw new Error(`expected a valid file, got ${JSON.stringify(result.errors)}`);
  return result.desired;
};
const errors = (text: string) => {
  const result = parseConfigText(text, {});
  if (result.ok) throw new Error('expected problems');
  return result.errors;
};

const FULL = `
settings:
  masterKey: env:TOLLGATE_MASTER_KEY
models:
  - name: gpt-4o
    provider: openai
    providerModel: gpt-4o
    apiKeyRef: os.environ/OPENAI_API_KEY
    inputCostPerMillion: 2.5
    outputCostPerMillion: 10
    tags: [prod]
  - name: claude
    provider: anthropic
    providerModel: claude-sonnet-4-5
    apiKeyRef: file:/run/secrets/anthropic
    extraHeaders: { X-Gateway-Key: os.environ/GATEWAY_KEY, X-Team: platform }
    inputCostPerMillion: 3
    outputCostPerMillion: 15
organizations:
  - name: acme
    maxBudget: 1000
    budgetDuration: 1mo
teams:
  - name: platform
    organization: acme
    models: [gpt-4o]
    rpmLimit: 600
keys:
  - alias: ci
    key: env:CI_KEY
    team: platform
    maxBudget: 50
    expiresAt: 2030-01-31T00:00:00Z
  - alias: batch
    keyHash: ${'AB'.repeat(32)}
    organization: acme
guardrailPolicies:
  - name: no-secrets
    kind: secrets
    mode: pre_call
mcpServers:
  - name: github
    url: https://api.githubcopilot.com/mcp/
    authRef: os.environ/GITHUB_TOKEN
`;

describe('tollgate.yaml', () => {
  it('should read every section, with defaults filled in and os.environ/ turned into env:', () => {
    const result = parseConfigText(FULL, {});
    expect(result.format).toBe('tollgate');
    const desired = ok(result);
    expect(desired.masterKey).toEqual({ path: 'settings.masterKey', value: 'env:TOLLGATE_MASTER_KEY' });
    expect(desired.models.map((m) => [m.path, m.value.name, m.value.apiKeyRef])).toEqual([
      ['models[0]', 'gpt-4o', 'env:OPENAI_API_KEY'],
      ['models[1]', 'claude', 'file:/run/secrets/anthropic'],
    ]);
    expect(desired.models[0]!.value).toMatchObject({ weight: 1, accessGroups: [], tags: ['prod'], apiBase: null, extraHeaders: {} });
    expect(desired.models[1]!.value.extraHeaders).toEqual({ 'X-Gateway-Key': 'env:GATEWAY_KEY', 'X-Team': 'platform' });
    expect(desired.organizations[0]!.value).toMatchObject({ name: 'acme', maxBudget: 1000, budgetDuration: '1mo', blocked: false, models: [] });
    expect(desired.teams[0]!.value).toMatchObject({ name: 'platform', organization: 'acme', models: ['gpt-4o'], rpmLimit: 600 });
    expect(desired.keys.map((k) => k.value.secret)).toEqual([{ ref: 'env:CI_KEY' }, { hash: 'ab'.repeat(32) }]);
    expect(desired.keys[0]!.value).toMatchObject({ alias: 'ci', team: 'platform', organization: null, maxBudget: 50, expiresAt: new Date('2030-01-31T00:00:00Z') });
    expect(desired.guardrailPolicies[0]!.value).toEqual({ name: 'no-secrets', kind: 'secrets', mode: 'pre_call', action: 'block', settings: {}, defaultOn: false });
    expect(desired.mcpServers[0]!.value).toEqual({ name: 'github', url: 'https://api.githubcopilot.com/mcp/', transport: 'streamable_http', authRef: 'env:GITHUB_TOKEN', description: null });
  });

  it('should read empty sections and {} as declaring nothing', () => {
    const desired = ok(parseConfigText('models: []\nteams:\n', {}));
    expect(desired.models).toEqual([]);
    expect(desired.teams).toEqual([]);
    expect(ok(parseConfigText('{}', {})).keys).toEqual([]);
  });

  it('should take YAML anchors and merge keys, with x- keys free to hold them', () => {
    const desired = ok(
      parseConfigText(
        `x-costs: &costs { inputCostPerMillion: 1, outputCostPerMillion: 2 }
models:
  - { name: a, provider: mock, providerModel: mock-gpt, <<: *costs }
  - { name: b, provider: mock, providerModel: mock-gpt, <<: *costs, outputCostPerMillion: 3 }
`,
        {},
      ),
    );
    expect(desired.models.map((m) => [m.value.name, m.value.inputCostPerMillion, m.value.outputCostPerMillion])).toEqual([
      ['a', 1, 2],
      ['b', 1, 3],
    ]);
  });

  it('should refuse an empty file rather than delete everything it made', () => {
    expect(errors('')).toEqual([{ path: '', message: expect.stringContaining('the file is empty') }]);
    expect(errors('# nothing yet\n')).toEqual([{ path: '', message: expect.stringContaining('the file is empty') }]);
  });

  it('should report YAML syntax errors with their line', () => {
    expect(errors('models:\n  - name: a\n  - name: b\nmodels: []\n')).toEqual([
      { path: '', message: expect.stringMatching(/^YAML: Map keys must be unique at line 4, column 1/) },
    ]);
    expect(errors('- just\n- a list\n')).toEqual([{ path: '', message: expect.stringContaining('must be a mapping') }]);
  });

  it('should report every problem in one go, each at its path', () => {
    const problems = errors(`
models:
  - name: ok
    provider: mock
    providerModel: mock-gpt
    inputCostPerMillion: 1
    outputCostPerMillion: 1
  - name: bad
    provider: cohere
    providerModel: command-r
    inputCostPerMillion: -1
    outputCostPerMillion: 1
    apiKey: sk-live-123
  - name: azure-without-base
    provider: azure
    providerModel: gpt-4o
    apiKeyRef: sk-not-a-reference-at-all
    inputCostPerMillion: 1
    outputCostPerMillion: 1
teams:
  - name: t
    maxBudget: lots
keys:
  - alias: both
    key: env:A_KEY
    keyHash: ${'a'.repeat(64)}
  - alias: literal
    key: sk-live-abcdefghijklmnop
  - alias: short-hash
    keyHash: abc
guardrailPolicies:
  - name: g
    kind: pii
    mode: sometimes
mcpServers:
  - name: m
    url: ftp://example.com
unknownSection: {}
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'models[1].provider', message: expect.stringContaining('Invalid option') },
        { path: 'models[1].inputCostPerMillion', message: 'must not be negative' },
        { path: 'models[1].apiKey', message: 'unknown field' },
        { path: 'models[2].apiKeyRef', message: expect.stringContaining('env:NAME or file:/path') },
        { path: 'models[2].apiBase', message: 'is required for provider azure' },
        { path: 'models[2].apiVersion', message: 'is required for provider azure' },
        { path: 'teams[0].maxBudget', message: expect.stringContaining('expected number') },
        { path: 'keys[0].key', message: expect.stringContaining('exactly one of key') },
        { path: 'keys[1].key', message: expect.stringContaining('secrets must not be written in the file') },
        { path: 'keys[2].keyHash', message: "must be the key's sha-256 as 64 hex digits" },
        { path: 'guardrailPolicies[0].mode', message: 'must be pre_call, during_call or post_call' },
        { path: 'mcpServers[0].url', message: 'must be an http(s) URL' },
        { path: 'unknownSection', message: 'unknown field' },
      ]),
    );
    // The literal secret is never repeated back.
    expect(JSON.stringify(problems)).not.toContain('sk-live-abcdefghijklmnop');
    expect(problems.some((p) => p.path.startsWith('models[0]'))).toBe(false);
  });

  it('should refuse a soft budget over the hard one, as the API does', () => {
    expect(errors(`
organizations: [{ name: o, softBudget: 200, maxBudget: 100 }]
teams: [{ name: t, softBudget: 5, maxBudget: 5 }, { name: u, softBudget: 6, maxBudget: 5 }, { name: v, memberSoftBudget: 3, memberMaxBudget: 2 }]
keys: [{ alias: k, key: env:K, softBudget: 20, maxBudget: 10 }, { alias: s, key: env:S, softBudget: 20 }]
`)).toEqual([
      { path: 'organizations[0].softBudget', message: 'must not be more than maxBudget (100): a soft budget warns before the hard budget refuses' },
      { path: 'teams[1].softBudget', message: 'must not be more than maxBudget (5): a soft budget warns before the hard budget refuses' },
      { path: 'teams[2].memberSoftBudget', message: 'must not be more than memberMaxBudget (2): a soft budget warns before the hard budget refuses' },
      { path: 'keys[0].softBudget', message: 'must not be more than maxBudget (10): a soft budget warns before the hard budget refuses' },
    ]);
  });

  it('should read Azure deployments through Microsoft Entra ID, os.environ/ references turned into env:', () => {
    const azure = 'provider: azure, providerModel: gpt-4o, apiBase: https://acme.openai.azure.com, apiVersion: 2024-10-21, inputCostPerMillion: 1, outputCostPerMillion: 2';
    const desired = ok(
      parseConfigText(
        `models:
  - { name: a, ${azure}, azureAdTenantId: contoso.onmicrosoft.com, azureAdClientId: 00000000-0000-4000-8000-00000000c11e, azureAdClientSecretRef: os.environ/AZURE_CLIENT_SECRET }
  - { name: b, ${azure}, azureAdTenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47, azureAdClientId: 00000000-0000-4000-8000-00000000c11e, azureAdClientAssertionRef: os.environ/AZURE_FEDERATED_TOKEN }
  - { name: c, ${azure}, azureAdTokenRef: os.environ/AZURE_AD_TOKEN }
  - { name: d, ${azure}, azureAdManagedIdentity: true, azureAdClientId: 00000000-0000-4000-8000-00000000c11e }
`,
        {},
      ),
    );
    expect(desired.models.map((m) => m.value)).toEqual([
      expect.objectContaining({ apiKeyRef: null, azureAdTenantId: 'contoso.onmicrosoft.com', azureAdClientSecretRef: 'env:AZURE_CLIENT_SECRET', azureAdTokenRef: null }),
      expect.objectContaining({ azureAdClientAssertionRef: 'env:AZURE_FEDERATED_TOKEN', azureAdClientSecretRef: null, azureAdAuthorityHost: null }),
      expect.objectContaining({ azureAdTokenRef: 'env:AZURE_AD_TOKEN', azureAdTenantId: null, azureAdClientId: null, azureAdManagedIdentity: false }),
      // A user-assigned managed identity: its client id alone, not taken for incomplete client credentials.
      expect.objectContaining({ apiKeyRef: null, azureAdManagedIdentity: true, azureAdClientId: '00000000-0000-4000-8000-00000000c11e', azureAdTenantId: null }),
    ]);
    expect(errors(`models:
  - { name: a, ${azure}, apiKeyRef: os.environ/AZURE_API_KEY, azureAdTokenRef: os.environ/AZURE_AD_TOKEN, azureAdClientId: 00000000-0000-4000-8000-00000000c11e }
`)).toEqual([
      { path: 'models[0].azureAdClientId', message: 'cannot go with azureAdTokenRef: Entra ID authentication is either a token (azureAdTokenRef) or client credentials, not both' },
      { path: 'models[0].apiKeyRef', message: 'must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used' },
    ]);
  });

  it('should report duplicates and contradictions between entries', () => {
    const problems = errors(`
models:
  - { name: m, deployment: east, provider: mock, providerModel: x, inputCostPerMillion: 0, outputCostPerMillion: 0 }
  - { name: m, deployment: east, provider: mock, providerModel: y, inputCostPerMillion: 0, outputCostPerMillion: 0 }
organizations: [{ name: a }, { name: b }]
teams:
  - { name: t, organization: a }
  - { name: t }
keys:
  - { alias: k, key: env:K1, team: t, organization: b }
  - { alias: k, key: env:K1 }
`);
    expect(problems).toEqual([
      { path: 'models[1].deployment', message: 'the deployment "east" of "m" is already declared at models[0]' },
      { path: 'teams[1].name', message: 'the team "t" is already declared at teams[0]' },
      { path: 'keys[1].alias', message: 'the alias "k" is already declared at keys[0]' },
      { path: 'keys[1].key', message: 'the reference "env:K1" is already declared at keys[0]' },
      { path: 'keys[0].organization', message: expect.stringContaining('belongs to "a"') },
    ]);
  });

  it('should read entries sharing a name as deployments of one group, each told apart by its deployment or its place', () => {
    const desired = ok(
      parseConfigText(
        `x-mock: &mock { provider: mock, providerModel: mock-gpt, inputCostPerMillion: 1, outputCostPerMillion: 2 }
models:
  - { name: gpt, deployment: east, weight: 3, <<: *mock }
  - { name: gpt, rpmLimit: 600, <<: *mock }
  - { name: solo, <<: *mock }
  - { name: gpt, deployment: " west ", <<: *mock }
  - { name: gpt, <<: *mock }
`,
        {},
      ),
    );
    expect(desired.models.map((m) => [m.path, m.value.name, m.value.deployment])).toEqual([
      ['models[0]', 'gpt', 'east'],
      ['models[1]', 'gpt', '#2'],
      ['models[2]', 'solo', '#1'],
      ['models[3]', 'gpt', 'west'],
      ['models[4]', 'gpt', '#4'],
    ]);
    expect(desired.models[0]!.value).toMatchObject({ weight: 3 });
    expect(desired.models[1]!.value).toMatchObject({ rpmLimit: 600, weight: 1 });
    expect(errors('models:\n  - { name: a, deployment: "#2", provider: mock, providerModel: x, inputCostPerMillion: 0, outputCostPerMillion: 0 }\n')).toEqual([
      { path: 'models[0].deployment', message: 'must not start with # (#n stands for the n-th entry of a name)' },
    ]);
  });

  it("should read router settings with the API's field names and rules, a null meaning the default", () => {
    const desired = ok(
      parseConfigText(
        `router:
  strategy: least_busy
  groupStrategies: { gpt: lowest_cost }
  numRetries: null
  retryPolicy: { rate_limit: 0, timeout: 1 }
  fallbacks: { gpt: [claude, mini] }
  cooldownMs: 5000
`,
        {},
      ),
    );
    expect(desired.router).toEqual({
      path: 'router',
      value: {
        settings: { strategy: 'least_busy', groupStrategies: { gpt: 'lowest_cost' }, retryPolicy: { rate_limit: 0, timeout: 1 }, fallbacks: { gpt: ['claude', 'mini'] }, cooldownMs: 5000 },
        paths: {},
      },
    });
    expect(ok(parseConfigText('models: []\n', {})).router).toBeNull();

    expect(errors('router:\n  strategy: fastest\n  numRetries: 11\n  retryPolicy: { flaky: 1 }\n  fallback: {}\n')).toEqual([
      { path: 'router.strategy', message: expect.stringContaining('"least_busy"') },
      { path: 'router.numRetries', message: expect.stringContaining('<=10') },
      { path: 'router.retryPolicy.flaky', message: 'unknown field' },
      { path: 'router.fallback', message: 'unknown field' },
    ]);
    expect(errors('router:\n  fallbacks: { gpt: [gpt, mini, mini] }\n  backoffMs: 500\n  maxBackoffMs: 100\n')).toEqual([
      { path: 'router.fallbacks', message: '"gpt" falls back to itself' },
      { path: 'router.fallbacks', message: '"gpt" lists "mini" more than once' },
      { path: 'router.maxBackoffMs', message: 'must be at least backoffMs (500)' },
    ]);
  });
});
