import { gql } from './graphql.js';

/** The admin operations the end-to-end tests use, as a dashboard or script would call them. */
export interface CreatedKey {
  key: string;
  virtualKey: { id: string; prefix: string; alias: string | null; teamId: string | null; models: string[] };
}

export function admin(graphqlUrl: string, masterKey: string) {
  const call = <T>(query: string, variables?: Record<string, unknown>) => gql<T>(graphqlUrl, masterKey, query, variables);
  return {
    call,
    async createTeam(name: string, models: string[] = []): Promise<{ id: string; name: string }> {
      const data = await call<{ createTeam: { id: string; name: string } }>(
        'mutation($input: CreateTeamInput!) { createTeam(input: $input) { id name } }',
        { input: { name, models } },
      );
      return data.createTeam;
    },
    async createKey(input: { teamId?: string; alias?: string; models?: string[] }): Promise<CreatedKey> {
      const data = await call<{ createKey: CreatedKey }>(
        'mutation($input: CreateKeyInput!) { createKey(input: $input) { key virtualKey { id prefix alias teamId models } } }',
        { input },
      );
      return data.createKey;
    },
    async deleteKey(id: string): Promise<boolean> {
      const data = await call<{ deleteKey: boolean }>('mutation($id: ID!) { deleteKey(id: $id) }', { id });
      return data.deleteKey;
    },
    async configVersion(): Promise<number> {
      return (await call<{ configVersion: number }>('{ configVersion }')).configVersion;
    },
    async spendLogs(keyId?: string) {
      const data = await call<{ spendLogs: SpendLogRow[] }>(
        `query($keyId: ID) { spendLogs(keyId: $keyId, limit: 500) {
          requestId keyId teamId model provider route stream status httpStatus errorType
          promptTokens completionTokens totalTokens cost startedAt durationMs ttftMs } }`,
        { keyId },
      );
      return data.spendLogs;
    },
    async spendSummary() {
      return (await call<{ spendSummary: { totalSpend: number; totalRequests: number; totalTokens: number } }>(
        '{ spendSummary { totalSpend totalRequests totalTokens } }',
      )).spendSummary;
    },
  };
}

export interface SpendLogRow {
  requestId: string;
  keyId: string;
  teamId: string | null;
  model: string;
  provider: string | null;
  route: string;
  stream: boolean;
  status: string;
  httpStatus: number;
  errorType: string | null;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cost: number;
  startedAt: string;
  durationMs: number;
  ttftMs: number | null;
}
