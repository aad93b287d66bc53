/** Sample API objects shaped like the contract's types. */
import type {
  AuditEntry,
  CreatedKey,
  Model,
  ModelHealth,
  Organization,
  RequestLogEntry,
  RouterSettings,
  Team,
  TeamMember,
  User,
  Viewer,
  VirtualKey,
} from '../api/operations';

export const ORG_ID = '0b9c3a52-7a1e-4a57-9d1e-1f7c2a9e0001';
export const USER_ID = '5d2f1e4c-3b6a-4c8e-8f0a-2b1c3d4e0002';

/** The master key's viewer unless overridden. */
export function viewer(overrides: Partial<Viewer> = {}): Viewer {
  return { role: 'proxy_admin', credential: 'master_key', userId: null, organizationId: null, readOnly: false, ...overrides };
}

/** An org admin signed in with a password. */
export function orgAdminViewer(overrides: Partial<Viewer> = {}): Viewer {
  return viewer({ role: 'org_admin', credential: 'session', userId: USER_ID, organizationId: ORG_ID, ...overrides });
}

export function user(overrides: Partial<User> = {}): User {
  return {
    id: USER_ID,
    email: 'ada@acme.test',
    name: null,
    role: 'org_admin',
    organizationId: ORG_ID,
    blocked: false,
    createdAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}

export function organization(overrides: Partial<Organization> = {}): Organization {
  return {
    id: ORG_ID,
    name: 'acme',
    models: [],
    maxBudget: null,
    spend: 0,
    blocked: false,
    managedBy: null,
    createdAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}

export function team(overrides: Partial<Team> = {}): Team {
  return {
    id: 'team-1',
    name: 'research',
    models: [],
    tags: [],
    blocked: false,
    maxBudget: null,
    softBudget: null,
    budgetDuration: null,
    budgetResetAt: null,
    spend: 0,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    memberMaxBudget: null,
    memberSoftBudget: null,
    memberRpmLimit: null,
    memberTpmLimit: null,
    keyCount: 0,
    organizationId: null,
    managedBy: null,
    createdAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}

export function teamMember(overrides: Partial<TeamMember> = {}): TeamMember {
  return { teamId: 'team-1', role: 'member', maxBudget: null, spend: 0, user: user({ role: 'internal_user' }), ...overrides };
}

export function virtualKey(overrides: Partial<VirtualKey> = {}): VirtualKey {
  return {
    id: 'key-1',
    prefix: 'sk-tg-AbCd',
    alias: null,
    teamId: null,
    team: null,
    models: [],
    maxBudget: null,
    spend: 0,
    blocked: false,
    keyType: 'llm_api',
    ownerId: null,
    organizationId: null,
    managedBy: null,
    expiresAt: null,
    viewerCanGovern: true,
    createdAt: '2025-01-02T03:04:05.000Z',
    softBudget: null,
    budgetDuration: null,
    rpmLimit: null,
    tpmLimit: null,
    maxParallelRequests: null,
    tags: [],
    modelLimits: {},
    previousKeyValidUntil: null,
    ...overrides,
  };
}

export function createdKey(overrides: Partial<VirtualKey> = {}, key = 'sk-tg-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc'): CreatedKey {
  return { key, virtualKey: virtualKey({ prefix: key.slice(0, 10), ...overrides }) };
}

export function model(overrides: Partial<Model> = {}): Model {
  return {
    id: 'model-1',
    name: 'mock-gpt',
    deployment: null,
    provider: 'mock',
    providerModel: 'mock-gpt',
    region: null,
    weight: 1,
    rpmLimit: null,
    tpmLimit: null,
    maxInputTokens: null,
    timeoutMs: null,
    streamIdleTimeoutMs: null,
    responsesApi: false,
    dropParams: [],
    defaultParams: {},
    extraHeaders: {},
    tags: [],
    inputCostPerMillion: 1,
    outputCostPerMillion: 2,
    managedBy: null,
    createdAt: '2025-01-02T03:04:05.000Z',
    health: [],
    ...overrides,
  };
}

/** A healthy check of `model-1` by data plane `dp-1`. */
export function modelHealth(overrides: Partial<ModelHealth> = {}): ModelHealth {
  return {
    modelId: 'model-1',
    dataPlaneId: 'dp-1',
    healthy: true,
    latencyMs: 120,
    mode: 'chat',
    error: null,
    checkedAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}

/** The router settings at their defaults (the control plane's before any change). */
export function routerSettings(overrides: Partial<RouterSettings> = {}): RouterSettings {
  return {
    strategy: 'weighted',
    groupStrategies: {},
    numRetries: 2,
    retryPolicy: {},
    backoffMs: 100,
    maxBackoffMs: 5000,
    maxRetryAfterMs: 2000,
    fallbacks: {},
    contextWindowFallbacks: {},
    contentPolicyFallbacks: {},
    allowedFails: 3,
    allowedFailsPolicy: {},
    failureWindowMs: 60000,
    cooldownMs: 30000,
    managedBy: null,
    updatedAt: null,
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: '1',
    at: '2025-01-02T03:04:05.000Z',
    action: 'team.create',
    actorId: 'master',
    actorRole: 'proxy_admin',
    credential: 'master_key',
    entityType: 'team',
    entityId: 'team-1',
    organizationId: null,
    before: null,
    after: { id: 'team-1', name: 'research', models: [], maxBudget: null },
    ...overrides,
  };
}

export function requestLogEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    requestId: 'req-1',
    startedAt: '2025-01-02T03:04:05.000Z',
    status: 'success',
    httpStatus: 200,
    model: 'mock-gpt',
    provider: 'mock',
    keyId: 'key-1',
    endUser: null,
    promptTokens: 1200,
    completionTokens: 300,
    cacheReadTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    cost: '0.000123450000',
    durationMs: 812,
    ttftMs: null,
    errorMessage: null,
    ...overrides,
  };
}
