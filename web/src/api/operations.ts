/**
 * Every GraphQL operation the dashboard sends, typed after docs/api-contract.md. Result types select exactly the
 * fields each document asks for; nullable GraphQL fields are `T | null`, `DateTimeISO` is an ISO string.
 */
import { gql } from './client';

// ---------------------------------------------------------------------------------------------------------------
// Result types

export interface Viewer {
  role: string;
}

export interface Team {
  id: string;
  name: string;
  models: string[];
  maxBudget: number | null;
  spend: number;
  keyCount: number;
  createdAt: string;
}

export interface VirtualKey {
  id: string;
  prefix: string;
  alias: string | null;
  teamId: string | null;
  team: Pick<Team, 'id' | 'name'> | null;
  models: string[];
  maxBudget: number | null;
  spend: number;
  blocked: boolean;
  createdAt: string;
}

export interface CreatedKey {
  /** The plaintext key: returned by createKey only, never again. */
  key: string;
  virtualKey: VirtualKey;
}

export interface Model {
  id: string;
  name: string;
  provider: string;
  providerModel: string;
  inputCostPerMillion: number;
  outputCostPerMillion: number;
  createdAt: string;
}

export interface SpendSummary {
  totalSpend: number;
  totalRequests: number;
  totalTokens: number;
}

export interface SpendUpdate extends SpendSummary {
  batchSpend: number;
  batchRequests: number;
  at: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

export interface CreateTeamInput {
  name: string;
  models?: string[];
  maxBudget?: number;
}

export interface CreateKeyInput {
  teamId?: string;
  alias?: string;
  models?: string[];
  maxBudget?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Documents

const TEAM_FIELDS = 'id name models maxBudget spend keyCount createdAt';
const KEY_FIELDS = `id prefix alias teamId team { id name } models maxBudget spend blocked createdAt`;
const MODEL_FIELDS = 'id name provider providerModel inputCostPerMillion outputCostPerMillion createdAt';
const SPEND_SUMMARY_FIELDS = 'totalSpend totalRequests totalTokens';

export const ViewerQuery = gql<{ viewer: Viewer }>(`query Viewer { viewer { role } }`);

export const TeamsQuery = gql<{ teams: Team[] }>(`query Teams { teams { ${TEAM_FIELDS} } }`);

export const KeysQuery = gql<{ keys: VirtualKey[] }, { teamId?: string | null }>(
  `query Keys($teamId: ID) { keys(teamId: $teamId) { ${KEY_FIELDS} } }`,
);

export const ModelsQuery = gql<{ models: Model[] }>(`query Models { models { ${MODEL_FIELDS} } }`);

export const SpendSummaryQuery = gql<{ spendSummary: SpendSummary }>(
  `query SpendSummary { spendSummary { ${SPEND_SUMMARY_FIELDS} } }`,
);

export const CreateTeamMutation = gql<{ createTeam: Team }, { input: CreateTeamInput }>(
  `mutation CreateTeam($input: CreateTeamInput!) { createTeam(input: $input) { ${TEAM_FIELDS} } }`,
);

export const CreateKeyMutation = gql<{ createKey: CreatedKey }, { input: CreateKeyInput }>(
  `mutation CreateKey($input: CreateKeyInput!) { createKey(input: $input) { key virtualKey { ${KEY_FIELDS} } } }`,
);

export const DeleteKeyMutation = gql<{ deleteKey: boolean }, { id: string }>(
  `mutation DeleteKey($id: ID!) { deleteKey(id: $id) }`,
);

export const SpendUpdatedSubscription = gql<{ spendUpdated: SpendUpdate }>(
  `subscription SpendUpdated { spendUpdated { ${SPEND_SUMMARY_FIELDS} batchSpend batchRequests at } }`,
);
