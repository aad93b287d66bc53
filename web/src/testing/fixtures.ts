/** Sample API objects shaped like the contract's types. */
import type { CreatedKey, Model, Team, VirtualKey } from '../api/operations';

export function team(overrides: Partial<Team> = {}): Team {
  return {
    id: 'team-1',
    name: 'research',
    models: [],
    maxBudget: null,
    spend: 0,
    keyCount: 0,
    createdAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
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
    createdAt: '2025-01-02T03:04:05.000Z',
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
    provider: 'mock',
    providerModel: 'mock-gpt',
    inputCostPerMillion: 1,
    outputCostPerMillion: 2,
    createdAt: '2025-01-02T03:04:05.000Z',
    ...overrides,
  };
}
