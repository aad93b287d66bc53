import { z } from 'zod';
import {
  CreateModelInput,
  governedFields,
  keySettings,
  memberFields,
  memberSoftWithinMax,
  modelNames,
  name,
  SaveGuardrailPolicyInput,
  SaveMcpServerInput,
  smallObject,
  softWithinMax,
  textList,
} from '../services/inputs.js';
import { RouterSettingsPatch } from '../services/router-settings.js';
import { deploymentKeys, deploymentName, duplicateDeployments } from './deployments.js';
import type { DesiredConfig, DesiredKey, DesiredModel } from './desired.js';
import { formatPath, joinPath, zodProblems, type ConfigProblem } from './problems.js';
import { routerOverrides, routerRuleProblems } from './router.js';
import { isSecretRef, normalizeRef } from './secrets.js';

/**
 * tollgate.yaml: every section optional, each a list of objects identified by name (keys by alias; models by name
 * and deployment, since several entries may share a name: see deployments.ts), plus `router`, the router settings.
 * Field names and rules are the API's (`services/inputs.ts`, `services/router-settings.ts`), so a model in the file
 * is exactly a `createModel` input (with an optional `deployment`) and `router` an `updateRouterSettings` input.
 * Unknown fields are errors, so a typo never silently means "not set". Secret references may also be written
 * LiteLLM's way (`os.environ/NAME`).
 */

const REF_ERROR = 'must be a reference such as env:NAME, file:/path or os.environ/NAME; secrets must not be written in the file';

/** A required secret reference (`os.environ/NAME` accepted and turned into `env:NAME`). */
const reference = z.preprocess(
  normalizeRef,
  z.string(REF_ERROR).trim().refine(isSecretRef, REF_ERROR),
);

/** A list section: absent or empty (`models:` with nothing under it) is an empty list. */
const section = <T extends z.ZodType>(entry: T) => z.array(entry, 'must be a list').nullish().transform((v) => v ?? []);

const MODEL_REF_FIELDS = [
  'apiKeyRef',
  'awsAccessKeyIdRef',
  'awsSecretAccessKeyRef',
  'awsSessionTokenRef',
  'azureAdClientSecretRef',
  'azureAdClientAssertionRef',
  'azureAdTokenRef',
] as const;

/** An object with its reference fields' `os.environ/NAME` turned into `env:NAME`. */
const normalizingRefs = (fields: readonly string[]) => (value: unknown) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = { ...value };
  for (const field of fields) if (field in copy) copy[field] = normalizeRef(copy[field]);
  // A model's extra headers' values may be references too.
  const headers = copy.extraHeaders;
  if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
    copy.extraHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, normalizeRef(value)]));
  }
  return copy;
};

const ModelEntry = z.preprocess(
  normalizingRefs(MODEL_REF_FIELDS),
  CreateModelInput.safeExtend({ deployment: deploymentName.nullish().transform((v) => v ?? null) }).strict(),
);

const flag = z.boolean('must be true or false').nullish().transform((v) => v ?? false);
const tenantFields = {
  models: modelNames,
  ...governedFields,
  blocked: flag,
  metadata: smallObject.nullish().transform((v) => v ?? {}),
  tags: textList().nullish().transform((v) => v ?? []),
  guardrails: textList().nullish().transform((v) => v ?? []),
};
const optionalName = name.nullish().transform((v) => v ?? null);

const OrganizationEntry = z.object({ name, ...tenantFields }).strict().superRefine(softWithinMax);

const TeamEntry = z.object({ name, organization: optionalName, ...tenantFields, ...memberFields }).strict().superRefine(softWithinMax).superRefine(memberSoftWithinMax);

const date = z.preprocess(
  (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : v),
  z.date('must be a date such as 2027-01-31T00:00:00Z'),
);

const KeyEntry = z
  .object({
    alias: name,
    key: reference.optional(),
    keyHash: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[0-9a-f]{64}$/, "must be the key's sha-256 as 64 hex digits")
      .optional(),
    team: optionalName,
    organization: optionalName,
    ...tenantFields,
    expiresAt: date.nullish().transform((v) => v ?? null),
    modelLimits: keySettings.modelLimits.nullish().transform((v) => v ?? {}),
    modelAliases: keySettings.modelAliases.nullish().transform((v) => v ?? {}),
    enforcedParams: keySettings.enforcedParams.nullish().transform((v) => v ?? []),
    allowedIps: keySettings.allowedIps.nullish().transform((v) => v ?? []),
    allowedRoutes: keySettings.allowedRoutes.nullish().transform((v) => v ?? []),
  })
  .strict()
  .superRefine((key, ctx) => {
    if ((key.key === undefined) === (key.keyHash === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'give the key as exactly one of key (a reference such as env:NAME) or keyHash (its sha-256)', input: key });
    }
    softWithinMax(key, ctx);
  });

// Exactly the API's rules (saveGuardrailPolicy, saveMcpServer).
const GuardrailPolicyEntry = SaveGuardrailPolicyInput.strict();

const McpServerEntry = z.preprocess(normalizingRefs(['authRef']), SaveMcpServerInput.strict());

const Settings = z.object({ masterKey: reference.nullish().transform((v) => v ?? null) }).strict();

export const TollgateConfigFile = z
  .object({
    models: section(ModelEntry),
    organizations: section(OrganizationEntry),
    teams: section(TeamEntry),
    keys: section(KeyEntry),
    guardrailPolicies: section(GuardrailPolicyEntry),
    mcpServers: section(McpServerEntry),
    router: RouterSettingsPatch.nullish().transform((v) => v ?? null),
    settings: Settings.nullish().transform((v) => v ?? { masterKey: null }),
  })
  .strict();
export type TollgateConfigFile = z.output<typeof TollgateConfigFile>;

/**
 * Problems between entries: duplicate names (for models: the same deployment of a name twice), two keys with one
 * secret, a key whose team is in another organization, router settings that contradict themselves.
 */
function crossChecks(file: TollgateConfigFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const unique = <T>(list: 'models' | 'organizations' | 'teams' | 'keys' | 'guardrailPolicies' | 'mcpServers', items: T[], field: string, value: (item: T) => string | undefined, what: string) => {
    const first = new Map<string, number>();
    items.forEach((item, index) => {
      const v = value(item);
      if (v === undefined) return;
      const earlier = first.get(v);
      if (earlier === undefined) first.set(v, index);
      else problems.push({ path: formatPath([list, index, field]), message: `${what} ${JSON.stringify(v)} is already declared at ${formatPath([list, earlier])}` });
    });
  };
  for (const [index, earlier] of duplicateDeployments(file.models)) {
    const model = file.models[index]!;
    problems.push({ path: formatPath(['models', index, 'deployment']), message: `the deployment ${JSON.stringify(model.deployment)} of ${JSON.stringify(model.name)} is already declared at ${formatPath(['models', earlier])}` });
  }
  unique('organizations', file.organizations, 'name', (o) => o.name, 'the organization');
  unique('teams', file.teams, 'name', (t) => t.name, 'the team');
  unique('keys', file.keys, 'alias', (k) => k.alias, 'the alias');
  unique('keys', file.keys, 'key', (k) => k.key, 'the reference');
  unique('keys', file.keys, 'keyHash', (k) => k.keyHash, 'the hash');
  unique('guardrailPolicies', file.guardrailPolicies, 'name', (g) => g.name, 'the policy');
  unique('mcpServers', file.mcpServers, 'name', (s) => s.name, 'the server');

  const teams = new Map<string, TollgateConfigFile['teams'][number]>();
  for (const team of file.teams) if (!teams.has(team.name)) teams.set(team.name, team);
  file.keys.forEach((key, index) => {
    const team = key.team === null ? undefined : teams.get(key.team);
    if (team && key.organization !== null && team.organization !== key.organization) {
      problems.push({
        path: formatPath(['keys', index, 'organization']),
        message: `the key's team ${JSON.stringify(team.name)} belongs to ${team.organization === null ? 'no organization' : JSON.stringify(team.organization)}; leave organization out, a key with a team belongs to its team's organization`,
      });
    }
  });
  if (file.router) problems.push(...routerRuleProblems(routerOverrides(file.router), (field) => joinPath('router', field)));
  return problems;
}

export type FormatResult = { ok: true; desired: DesiredConfig; warnings: ConfigProblem[] } | { ok: false; errors: ConfigProblem[]; warnings: ConfigProblem[] };

/** A parsed YAML document in tollgate.yaml form → the desired config, or every problem with its path. */
export function fromTollgateFile(document: unknown): FormatResult {
  const parsed = TollgateConfigFile.safeParse(document);
  if (!parsed.success) return { ok: false, errors: zodProblems(parsed.error), warnings: [] };
  const file = parsed.data;
  const errors = crossChecks(file);
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  const at = <T>(list: string, items: T[]) => items.map((value, index) => ({ path: formatPath([list, index]), value }));
  const keys = file.keys.map(({ key, keyHash, ...rest }): DesiredKey => ({ ...rest, secret: key !== undefined ? { ref: key } : { hash: keyHash! } }));
  const deployments = deploymentKeys(file.models);
  const models = file.models.map((model, index): DesiredModel => ({ ...model, deployment: deployments[index]! }));
  return {
    ok: true,
    warnings: [],
    desired: {
      format: 'tollgate',
      models: at('models', models),
      organizations: at('organizations', file.organizations),
      teams: at('teams', file.teams),
      keys: at('keys', keys),
      guardrailPolicies: at('guardrailPolicies', file.guardrailPolicies),
      mcpServers: at('mcpServers', file.mcpServers),
      router: file.router === null ? null : { path: 'router', value: { settings: routerOverrides(file.router), paths: {} } },
      masterKey: file.settings.masterKey === null ? null : { path: 'settings.masterKey', value: file.settings.masterKey },
    },
  };
}
