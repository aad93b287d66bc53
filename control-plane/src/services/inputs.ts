import { ProviderKind, SecretRef } from '@tollgate/schema';
import { z } from 'zod';

/** Validation for admin input, shared by the services. GraphQL types only guarantee shapes; these guarantee sense. */

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** Model names; duplicates dropped, order kept. */
const modelNames = z
  .array(z.string().trim().min(1, 'model names must not be empty').max(200))
  .max(1000)
  .nullish()
  .transform((models) => [...new Set(models ?? [])]);

const budget = z.number().finite().nonnegative('must not be negative').nullish().transform((v) => v ?? null);

export const CreateTeamInput = z.object({
  name,
  models: modelNames,
  maxBudget: budget,
});
export type CreateTeamInput = z.output<typeof CreateTeamInput>;

export const CreateKeyInput = z.object({
  teamId: z.string().nullish().transform((v) => v ?? null),
  // A blank alias means "no alias", as a form with an empty field would send it.
  alias: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .nullish()
    .transform((v) => v || null),
  models: modelNames,
  maxBudget: budget,
});
export type CreateKeyInput = z.output<typeof CreateKeyInput>;

const cost = z.number().finite().nonnegative('must not be negative');

export const CreateModelInput = z.object({
  name,
  provider: ProviderKind,
  providerModel: name,
  apiBase: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .nullish()
    .transform((v) => v ?? null),
  apiKeyRef: SecretRef.nullish().transform((v) => v ?? null),
  inputCostPerMillion: cost,
  outputCostPerMillion: cost,
});
export type CreateModelInput = z.output<typeof CreateModelInput>;

export const SpendLogsInput = z.object({
  keyId: z.string().nullish().transform((v) => v ?? null),
  limit: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
});
