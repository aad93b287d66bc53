import { EndUserConfig, KeyConfig, ModelConfig, OrgConfig, TagConfig, TeamConfig, UserConfig } from '@tollgate/schema';
import type { BudgetTier, EndUser, Model, Organization, Tag, Team, User, VirtualKey } from '../db/entities/index.js';
import type { Governed } from '../db/entities/governed.js';

/**
 * Entity → the schema's config shape, validated by the schema itself so nothing the data plane would reject
 * leaves the control plane. `key.hash` and `key.previousHash` must have been loaded (they are lazy properties).
 */
/**
 * A model's settings: every field a client sets, in one list, shared by the config snapshot, the GraphQL object
 * and `updateModel`'s merge, so a new model field is added in one place.
 */
export function modelSettings(model: Model): Omit<ModelConfig, 'id' | 'createdAt'> {
  return {
    name: model.name,
    provider: model.provider as ModelConfig['provider'],
    providerModel: model.providerModel,
    apiBase: model.apiBase,
    apiKeyRef: model.apiKeyRef,
    apiVersion: model.apiVersion,
    region: model.region,
    awsAccessKeyIdRef: model.awsAccessKeyIdRef,
    awsSecretAccessKeyRef: model.awsSecretAccessKeyRef,
    awsSessionTokenRef: model.awsSessionTokenRef,
    azureAdTenantId: model.azureAdTenantId,
    azureAdClientId: model.azureAdClientId,
    azureAdClientSecretRef: model.azureAdClientSecretRef,
    azureAdClientAssertionRef: model.azureAdClientAssertionRef,
    azureAdTokenRef: model.azureAdTokenRef,
    azureAdAuthorityHost: model.azureAdAuthorityHost,
    azureAdManagedIdentity: model.azureAdManagedIdentity,
    timeoutMs: model.timeoutMs,
    inputCostPerMillion: model.inputCostPerMillion,
    outputCostPerMillion: model.outputCostPerMillion,
    cachedInputCostPerMillion: model.cachedInputCostPerMillion,
    cacheWriteCostPerMillion: model.cacheWriteCostPerMillion,
    reasoningCostPerMillion: model.reasoningCostPerMillion,
    costPerRequest: model.costPerRequest,
    costPerImage: model.costPerImage,
    rpmLimit: model.rpmLimit,
    tpmLimit: model.tpmLimit,
    weight: model.weight,
    maxInputTokens: model.maxInputTokens,
    streamIdleTimeoutMs: model.streamIdleTimeoutMs,
    responsesApi: model.responsesApi,
    dropParams: model.dropParams,
    defaultParams: model.defaultParams,
    extraHeaders: model.extraHeaders,
    accessGroups: model.accessGroups,
    tags: model.tags,
  };
}

export function modelConfig(model: Model): ModelConfig {
  return ModelConfig.parse({ id: model.id, ...modelSettings(model), createdAt: model.createdAt.toISOString() });
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The budget and limit settings every governed entity ships, with the spend counted in its current period. */
function governedConfig(entity: Governed) {
  return {
    maxBudget: entity.maxBudget,
    softBudget: entity.softBudget,
    budgetDuration: entity.budgetDuration,
    budgetResetAt: iso(entity.budgetResetAt),
    rpmLimit: entity.rpmLimit,
    tpmLimit: entity.tpmLimit,
    maxParallelRequests: entity.maxParallelRequests,
    spend: entity.spend,
  };
}

export function orgConfig(org: Organization): OrgConfig {
  return OrgConfig.parse({ id: org.id, name: org.name, models: org.models, ...governedConfig(org), blocked: org.blocked, tags: org.tags });
}

export function userConfig(user: User): UserConfig {
  return UserConfig.parse({ id: user.id, orgId: user.organization?.id ?? null, ...governedConfig(user), blocked: user.blocked });
}

/**
 * An end user with their budget tier resolved: each budget and limit setting is the end user's own where set, else
 * the tier's (so data planes need not know tiers). The period's duration follows the same rule; the reset time and
 * the spend are the end user's own (the budget-reset job keeps them for the tier's duration too).
 */
export function endUserConfig(endUser: EndUser, tier: BudgetTier | null, spendByEndUser: Array<[string, number]> = []): EndUserConfig {
  const own = governedConfig(endUser);
  return EndUserConfig.parse({
    id: endUser.id,
    externalId: endUser.externalId,
    maxBudget: own.maxBudget ?? tier?.maxBudget ?? null,
    softBudget: own.softBudget ?? tier?.softBudget ?? null,
    budgetDuration: own.budgetDuration ?? tier?.budgetDuration ?? null,
    budgetResetAt: own.budgetResetAt,
    rpmLimit: own.rpmLimit ?? tier?.rpmLimit ?? null,
    tpmLimit: own.tpmLimit ?? tier?.tpmLimit ?? null,
    maxParallelRequests: own.maxParallelRequests ?? tier?.maxParallelRequests ?? null,
    spend: own.spend,
    blocked: endUser.blocked,
    ...(spendByEndUser.length > 0 && { spendByEndUser }),
  });
}

export function tagConfig(tag: Tag): TagConfig {
  return TagConfig.parse({ id: tag.id, name: tag.name, ...governedConfig(tag) });
}

/** A team member as team configs carry it: `[user id, membership id, own hard budget or null, spend]`. */
export type TeamMemberConfig = [string, string, number | null, number];

/** `members`: those the team's member budgets apply to (see `TeamConfig.members`; `teamMembersOf` reads them). */
export function teamConfig(team: Team, members: readonly TeamMemberConfig[] = []): TeamConfig {
  return TeamConfig.parse({
    id: team.id,
    name: team.name,
    orgId: team.organization?.id ?? null,
    models: team.models,
    ...governedConfig(team),
    blocked: team.blocked,
    tags: team.tags,
    metadata: team.metadata,
    guardrails: team.guardrails,
    memberMaxBudget: team.memberMaxBudget,
    memberRpmLimit: team.memberRpmLimit,
    memberTpmLimit: team.memberTpmLimit,
    ...(members.length > 0 && { members }),
  });
}

/** `modelLimits`: the key's, or as `modelLimitsWithSpend` read them (with each model's spend). */
export function keyConfig(key: VirtualKey, modelLimits: Record<string, unknown> = key.modelLimits): KeyConfig {
  return KeyConfig.parse({
    id: key.id,
    hash: key.hash,
    prefix: key.prefix,
    alias: key.alias,
    teamId: key.team?.id ?? null,
    userId: key.owner?.id ?? null,
    orgId: key.organization?.id ?? null,
    models: key.models,
    ...governedConfig(key),
    blocked: key.blocked,
    expiresAt: iso(key.expiresAt),
    modelLimits,
    modelAliases: key.modelAliases,
    metadata: key.metadata,
    tags: key.tags,
    guardrails: key.guardrails,
    enforcedParams: key.enforcedParams,
    allowedIps: key.allowedIps,
    allowedRoutes: key.allowedRoutes,
    tempBudgetIncrease: key.tempBudgetIncrease,
    tempBudgetExpiresAt: iso(key.tempBudgetExpiresAt),
    previousHash: key.previousHash,
    previousHashExpiresAt: iso(key.previousHashExpiresAt),
  });
}
