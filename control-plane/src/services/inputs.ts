import { ANY_END_USER, forbiddenSecretRef, MAX_HEALTH_CHECK_MODELS, ModelHealthResult, parseIpRange, ProviderKind, SecretRef } from '@tollgate/schema';
import { z } from 'zod';
import { KEY_TYPES, TEAM_ROLES, USER_ROLES } from '../auth/roles.js';
import { ALERT_SUBJECT_KINDS, ALERT_THRESHOLDS } from '../db/entities/budget-alert.entity.js';
import { BUDGET_DURATIONS } from '../db/entities/governed.js';
import { SPEND_DIMENSIONS } from '../db/entities/spend-rollup.entity.js';

/** Validation for admin input, shared by the services. GraphQL types only guarantee shapes; these guarantee sense. */

export const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** Model names; duplicates dropped, order kept. */
export const modelNames = z
  .array(z.string().trim().min(1, 'model names must not be empty').max(200))
  .max(1000)
  .nullish()
  .transform((models) => [...new Set(models ?? [])]);

/**
 * An amount of USD (a budget, a price): money columns are numeric(24,12), which hold less than 10^12; a billion
 * dollars is more than any budget or price, and keeps every sum of them far from the column's limit.
 */
const MAX_USD = 1_000_000_000;
const usd = () => z.number().finite().nonnegative('must not be negative').max(MAX_USD, `must be at most ${MAX_USD} (USD)`);

const budget = usd().nullish().transform((v) => v ?? null);

const limit = (max: number) => z.number().int('must be a whole number').positive('must be positive').max(max, `must be at most ${max}`);

/** Budget and limit settings every governed subject has; absent means none. */
export const governedFields = {
  maxBudget: budget,
  softBudget: budget,
  budgetDuration: z.enum(BUDGET_DURATIONS, 'must be one of 1h, 1d, 7d, 30d, 1mo').nullish().transform((v) => v ?? null),
  rpmLimit: limit(10_000_000).nullish().transform((v) => v ?? null),
  tpmLimit: limit(1_000_000_000_000).nullish().transform((v) => v ?? null),
  maxParallelRequests: limit(1_000_000).nullish().transform((v) => v ?? null),
};

/**
 * Why a soft budget cannot go with a hard one, or null when it can: it warns before the hard budget refuses, so it is
 * at most the hard budget (equal is allowed: the warning comes with the refusal).
 */
export function softBudgetProblem(softBudget: unknown, maxBudget: unknown): string | null {
  if (typeof softBudget !== 'number' || typeof maxBudget !== 'number' || softBudget <= maxBudget) return null;
  return `must not be more than maxBudget (${maxBudget}): a soft budget warns before the hard budget refuses`;
}

/** `softBudgetProblem` as a rule of an input that sets both budgets (a create, a save by name). */
export function softWithinMax(input: { softBudget?: unknown; maxBudget?: unknown }, ctx: z.RefinementCtx): void {
  const problem = softBudgetProblem(input.softBudget, input.maxBudget);
  if (problem !== null) ctx.addIssue({ code: 'custom', path: ['softBudget'], message: problem, input: input.softBudget });
}

/**
 * The same as a patch: absent keeps the value, null clears it. A patch's soft budget is checked against the hard one
 * the subject has after the change, by the service (`assertSoftWithinMax` in services/governed.ts).
 */
export const governedPatch = {
  maxBudget: usd().nullish(),
  softBudget: usd().nullish(),
  budgetDuration: z.enum(BUDGET_DURATIONS, 'must be one of 1h, 1d, 7d, 30d, 1mo').nullish(),
  rpmLimit: limit(10_000_000).nullish(),
  tpmLimit: limit(1_000_000_000_000).nullish(),
  maxParallelRequests: limit(1_000_000).nullish(),
};

export const shortText = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
export const textList = (max = 100) =>
  z
    .array(shortText)
    .max(max, `must have at most ${max} entries`)
    .transform((items) => [...new Set(items)]);

/** JSON objects stored as given; kept small, since they travel with every usage event. */
export const smallObject = z
  .record(z.string(), z.unknown())
  .refine((v) => JSON.stringify(v).length <= 16_384, 'must be at most 16 KB of JSON');

/** An address or CIDR range, IPv4 or IPv6. */
const ipOrCidr = z.string().trim().refine((value) => parseIpRange(value) !== null, 'must be an IP address or CIDR range such as 10.0.0.0/8');

const modelLimit = z
  .object({ rpm: limit(10_000_000).optional(), tpm: limit(1_000_000_000_000).optional(), maxBudget: usd().optional() })
  .strict();

/** Key settings beyond the basics, shared by create and update. */
export const keySettings = {
  modelLimits: z.record(shortText, modelLimit),
  modelAliases: z.record(shortText, shortText),
  metadata: smallObject,
  tags: textList(),
  guardrails: textList(),
  enforcedParams: z.array(z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'must be a parameter path such as user or metadata.generation_name')).max(50),
  allowedIps: z.array(ipOrCidr).max(1000),
  allowedRoutes: z.array(z.string().trim().regex(/^\/[A-Za-z0-9_\-/.*{}]*$/, 'must be a path such as /v1/chat/completions')).max(100),
  autoRotateDays: limit(3650),
};

/** An optional id: absent or null both mean none. */
const optionalId = z.string().nullish().transform((v) => v ?? null);

/** A team's budget and limits for each of its members (team member budgets); absent means none. */
export const memberFields = {
  memberMaxBudget: budget,
  memberSoftBudget: budget,
  memberRpmLimit: limit(10_000_000).nullish().transform((v) => v ?? null),
  memberTpmLimit: limit(1_000_000_000_000).nullish().transform((v) => v ?? null),
};
const memberPatch = {
  memberMaxBudget: usd().nullish(),
  memberSoftBudget: usd().nullish(),
  memberRpmLimit: limit(10_000_000).nullish(),
  memberTpmLimit: limit(1_000_000_000_000).nullish(),
};

/** `softWithinMax` for a team's member budgets. */
export function memberSoftWithinMax(input: { memberSoftBudget?: unknown; memberMaxBudget?: unknown }, ctx: z.RefinementCtx): void {
  const problem = softBudgetProblem(input.memberSoftBudget, input.memberMaxBudget);
  if (problem !== null) ctx.addIssue({ code: 'custom', path: ['memberSoftBudget'], message: problem.replace('maxBudget', 'memberMaxBudget'), input: input.memberSoftBudget });
}

export const CreateTeamInput = z
  .object({
    name,
    organizationId: optionalId,
    models: modelNames,
    metadata: keySettings.metadata.nullish().transform((v) => v ?? {}),
    tags: keySettings.tags.nullish().transform((v) => v ?? []),
    ...governedFields,
    ...memberFields,
  })
  .superRefine(softWithinMax)
  .superRefine(memberSoftWithinMax);
export type CreateTeamInput = z.output<typeof CreateTeamInput>;

/** A change of an organization or a team: absent fields are kept; budgets and limits as `governedPatch`. */
const TenantPatch = z.object({
  name: name.optional(),
  models: modelNames.optional(),
  ...governedPatch,
  blocked: z.boolean().optional(),
});

export const UpdateTeamInput = TenantPatch.extend({ ...memberPatch, metadata: keySettings.metadata.optional(), tags: keySettings.tags.optional() });
export type UpdateTeamInput = z.output<typeof UpdateTeamInput>;

export const CreateKeyInput = z.object({
  teamId: optionalId,
  /** The user the key is for; the caller when absent (none for the master key). */
  ownerId: optionalId,
  keyType: z.enum(KEY_TYPES).nullish().transform((v) => v ?? 'llm_api'),
  // A key made already expired could never be used: most likely a date typed wrong.
  expiresAt: z
    .date()
    .refine((at) => at.getTime() > Date.now(), 'must be in the future (a key made expired could never be used)')
    .nullish()
    .transform((v) => v ?? null),
  // A blank alias means "no alias", as a form with an empty field would send it.
  alias: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .nullish()
    .transform((v) => v || null),
  models: modelNames,
  ...governedFields,
  modelLimits: keySettings.modelLimits.nullish().transform((v) => v ?? {}),
  modelAliases: keySettings.modelAliases.nullish().transform((v) => v ?? {}),
  metadata: keySettings.metadata.nullish().transform((v) => v ?? {}),
  tags: keySettings.tags.nullish().transform((v) => v ?? []),
  guardrails: keySettings.guardrails.nullish().transform((v) => v ?? []),
  enforcedParams: keySettings.enforcedParams.nullish().transform((v) => v ?? []),
  allowedIps: keySettings.allowedIps.nullish().transform((v) => v ?? []),
  allowedRoutes: keySettings.allowedRoutes.nullish().transform((v) => v ?? []),
  autoRotateDays: keySettings.autoRotateDays.nullish().transform((v) => v ?? null),
}).superRefine(softWithinMax);
export type CreateKeyInput = z.output<typeof CreateKeyInput>;

const cost = usd();

/** Optional text: trimmed, and blank means none (as a form with an empty field would send it). */
const optionalText = <S extends z.ZodType<string, string>>(schema: S) =>
  z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null)
    .pipe(schema.nullable());

/**
 * Where the data plane reads a credential: `env:NAME` or `file:/path` (the schema's `SecretRef`). The database and
 * the config only ever hold references, so anything else (most likely a pasted key) is refused.
 */
export const SECRET_REF_ERROR = 'must be a secret reference such as env:NAME or file:/path, not the secret itself';
/** What is wrong with `value` as a credential reference (one of the gateway's own secrets, or no reference); null if nothing. */
function secretRefProblem(value: string): string | null {
  return forbiddenSecretRef(value) ?? (SecretRef.safeParse(value).success ? null : SECRET_REF_ERROR);
}

export const secretRef = optionalText(
  z.string().superRefine((value, ctx) => {
    const problem = secretRefProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

/** A body field to drop: names joined by dots, `*` for every element of an array, never a `*` at the end. */
const DROP_PARAM = /^[A-Za-z0-9_$@-]+(\.(\*\.)*[A-Za-z0-9_$@-]+)*$/;
/** Fields the gateway itself sets on every request it sends: without them no provider answers. */
const UNDROPPABLE = new Set(['model', 'messages', 'stream', 'contents', 'input']);

/** An HTTP header name (RFC 9110's token). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers the gateway sets itself (credentials, content type, framing) or HTTP reserves. */
const GATEWAY_HEADERS = new Set([
  'authorization', 'x-goog-api-key', 'anthropic-version', 'content-type', 'content-length', 'accept',
  'accept-encoding', 'host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization',
]);
/**
 * The credential header of providers that send their key in one of their own: another provider's deployment may set
 * it (an OpenAI-compatible server behind AWS API Gateway takes `x-api-key`), as a reference.
 */
const PROVIDER_KEY_HEADER: Readonly<Partial<Record<string, string>>> = { anthropic: 'x-api-key', azure: 'api-key' };
/** A header whose name says it carries a credential: its value must be a reference, never the secret itself. */
const CREDENTIAL_HEADER = /key|token|secret|auth|password|passwd|cookie|credential|signature|session/i;

function checkExtraHeaders(headers: Record<string, string>, ctx: z.RefinementCtx): void {
  const names = Object.keys(headers);
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message, input: undefined });
  if (names.length > 20) problem('must have at most 20 headers');
  const seen = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = headers[name]!;
    if (!HEADER_NAME.test(name)) problem(`${JSON.stringify(name)} is not an HTTP header name`);
    else if (GATEWAY_HEADERS.has(lower)) problem(`${name} is set by the gateway (credentials, content type, framing) and cannot be set here`);
    else if (lower.startsWith('x-amz-')) problem(`${name}: x-amz-* headers belong to AWS's request signature; Bedrock credentials are set with the aws*Ref fields`);
    else if (seen.has(lower)) problem(`${name} is given twice`);
    else if (/[\r\n\0]/.test(value) || value.length > 4096) problem(`${name}: the value must be one line of at most 4096 characters`);
    else if (forbiddenSecretRef(value) !== null) problem(`${name}: ${forbiddenSecretRef(value)}`);
    else if (CREDENTIAL_HEADER.test(name) && !SecretRef.safeParse(value).success) problem(`${name} carries a credential, so its value ${SECRET_REF_ERROR}`);
    seen.add(lower);
  }
}

/** `new URL` without the throw (`URL.parse` needs Node 22; Tollgate supports Node 20). */
function urlOrNull(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/**
 * An http(s) URL of an upstream (a model's `apiBase`, an MCP server's `url`) without a credential in it: every role
 * that may read models or servers reads the URL, and audit entries keep it, so a password (`user:pass@`) or a key in
 * the query (`?api_key=`, `?token=`, named as `CREDENTIAL_HEADER` names headers) would be shown to all of them. The
 * message names where a credential goes instead, never the value.
 */
const upstreamUrl = (where: string) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .refine((url) => !urlCarriesCredential(url), `must carry no credential (a user and password, or a key in the query): it is shown to everyone who may read it; ${where}`);

/** Whether a URL holds a credential: a user and password, or a query parameter named like one (`api_key`, `token`). */
function urlCarriesCredential(text: string): boolean {
  const parsed = urlOrNull(text);
  return parsed !== null && (parsed.username !== '' || parsed.password !== '' || [...parsed.searchParams.keys()].some((name) => CREDENTIAL_HEADER.test(name)));
}

/** Hosts an `azureAdAuthorityHost` may reach over plain http: a local stand-in for Entra ID in tests. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const AUTHORITY_HOST_ERROR = 'must be an https URL such as https://login.microsoftonline.us (http only for 127.0.0.1, localhost or [::1])';

/**
 * A DNS name: labels of letters, digits and inner hyphens, joined by dots. Its labels are never empty, so a tenant
 * (which becomes a path segment of the token URL) cannot be `..` or reach another path.
 */
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/**
 * Names the Microsoft identity platform takes in place of a tenant, for sign-ins of users from any tenant. The client
 * credentials flow needs the one tenant the app registration's credential is issued in, so these are refused.
 */
const MULTI_TENANT_NAMES = new Set(['common', 'organizations', 'consumers']);

/** The Entra ID fields of a model that hold a value or null, in the order their rules report (`azureAdManagedIdentity` apart). */
const ENTRA_FIELDS = [
  'azureAdTokenRef',
  'azureAdTenantId',
  'azureAdClientId',
  'azureAdClientSecretRef',
  'azureAdClientAssertionRef',
  'azureAdAuthorityHost',
] as const;
/** The Entra ID fields that make up client credentials (the authority host only says where to use them). */
const CLIENT_CREDENTIAL_FIELDS = ['azureAdTenantId', 'azureAdClientId', 'azureAdClientSecretRef', 'azureAdClientAssertionRef'] as const;

/** Validation of each model field on its own; `modelRules` adds the rules between fields. */
const modelFields = {
  name,
  provider: ProviderKind,
  providerModel: name,
  apiBase: optionalText(upstreamUrl('put the key in apiKeyRef, or a header in extraHeaders, as an env: or file: reference')),
  apiKeyRef: secretRef,
  // Sent upstream as a query parameter (Azure) or header (Anthropic), so only version-like characters.
  apiVersion: optionalText(
    z.string().max(64, 'must be at most 64 characters').regex(/^[A-Za-z0-9._-]+$/, 'must be a version such as 2024-10-21'),
  ),
  // Part of the Bedrock host name, so only the shape of a region.
  region: optionalText(
    z.string().max(64, 'must be at most 64 characters').regex(/^[a-z]{2,}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
  ),
  awsAccessKeyIdRef: secretRef,
  awsSecretAccessKeyRef: secretRef,
  awsSessionTokenRef: secretRef,
  // The tenant and client ids go into the token request (the tenant into its URL), so only their shapes.
  azureAdTenantId: optionalText(
    z
      .string()
      .regex(DOMAIN, 'must be a tenant id (a GUID) or a domain name such as contoso.onmicrosoft.com')
      .refine((tenant) => !MULTI_TENANT_NAMES.has(tenant.toLowerCase()), {
        error: (issue) => `must name one tenant: ${String(issue.input)} is for user sign-ins across tenants, and client credentials are issued in one`,
      }),
  ),
  azureAdClientId: optionalText(z.guid("must be the app registration's application (client) id, a GUID")),
  azureAdClientSecretRef: secretRef,
  azureAdClientAssertionRef: secretRef,
  azureAdTokenRef: secretRef,
  // Credentials go to it: https, except a loopback stand-in in tests. A query or fragment would break the token URL
  // built from it ({host}/{tenant}/oauth2/v2.0/token).
  azureAdAuthorityHost: optionalText(
    z
      .url(AUTHORITY_HOST_ERROR)
      // Refinements run after a failed format check too; what is no URL at all has been reported by it.
      .refine((url) => {
        const parsed = urlOrNull(url);
        return parsed === null || parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname));
      }, AUTHORITY_HOST_ERROR)
      .refine((url) => {
        const parsed = urlOrNull(url);
        return parsed === null || (parsed.search === '' && parsed.hash === '' && parsed.username === '' && parsed.password === '');
      }, 'must be a URL without credentials, query or fragment, such as https://login.microsoftonline.us'),
  ),
  azureAdManagedIdentity: z.boolean().nullish().transform((v) => v ?? false),
  timeoutMs: z
    .number()
    .int('must be a whole number of milliseconds')
    .positive('must be positive')
    .max(3_600_000, 'must be at most 3600000 (one hour)')
    .nullish()
    .transform((v) => v ?? null),
  inputCostPerMillion: cost,
  outputCostPerMillion: cost,
  cachedInputCostPerMillion: cost.nullish().transform((v) => v ?? null),
  cacheWriteCostPerMillion: cost.nullish().transform((v) => v ?? null),
  reasoningCostPerMillion: cost.nullish().transform((v) => v ?? null),
  costPerRequest: cost.nullish().transform((v) => v ?? null),
  costPerImage: cost.nullish().transform((v) => v ?? null),
  rpmLimit: limit(10_000_000).nullish().transform((v) => v ?? null),
  tpmLimit: limit(1_000_000_000_000).nullish().transform((v) => v ?? null),
  weight: limit(1_000_000).nullish().transform((v) => v ?? 1),
  maxInputTokens: limit(100_000_000).nullish().transform((v) => v ?? null),
  streamIdleTimeoutMs: limit(3_600_000).nullish().transform((v) => v ?? null),
  responsesApi: z.boolean().nullish().transform((v) => v ?? false),
  dropParams: z
    .array(
      z
        .string()
        .trim()
        .max(200, 'must be at most 200 characters')
        .regex(DROP_PARAM, 'must name a body field, with dots into objects and * for every element of an array, such as metadata or tools.*.function.strict')
        .refine((path) => !UNDROPPABLE.has(path), { error: (issue) => `cannot drop ${String(issue.input)}: every request needs it` }),
    )
    .max(50, 'must have at most 50 entries')
    .transform((items) => [...new Set(items)])
    .nullish()
    .transform((v) => v ?? []),
  defaultParams: smallObject
    .refine((params) => !Object.keys(params).some((name) => UNDROPPABLE.has(name)), {
      error: (issue) => `cannot set ${Object.keys(issue.input as object).filter((name) => UNDROPPABLE.has(name)).join(', ')}: the gateway sets it for every request`,
    })
    .nullish()
    .transform((v) => v ?? {}),
  extraHeaders: z
    .record(z.string(), z.string('must be text'))
    .superRefine(checkExtraHeaders)
    .nullish()
    .transform((v) => v ?? {}),
  accessGroups: textList().nullish().transform((v) => v ?? []),
  tags: textList().nullish().transform((v) => v ?? []),
};

type ModelFields = z.output<z.ZodObject<typeof modelFields>>;

/** Fields a provider cannot work without. */
export const REQUIRED_BY_PROVIDER: Partial<Record<ProviderKind, ReadonlyArray<keyof ModelFields>>> = {
  azure: ['apiBase', 'apiVersion'],
  openai_compatible: ['apiBase'],
  bedrock: ['region'],
};

/** Providers whose deployments may serve the Responses API or not (`responsesApi`). */
export const RESPONSES_API_PROVIDERS: readonly string[] = ['azure', 'openai_compatible'];

function modelRules(model: ModelFields, ctx: z.RefinementCtx): void {
  const missing = (field: keyof ModelFields, message: string) =>
    ctx.addIssue({ code: 'custom', path: [field], message, input: model[field] });
  const keyHeader = PROVIDER_KEY_HEADER[model.provider];
  const extra = model.extraHeaders as unknown;
  if (keyHeader !== undefined && typeof extra === 'object' && extra !== null) {
    const taken = Object.keys(extra).find((name) => name.toLowerCase() === keyHeader);
    if (taken !== undefined) missing('extraHeaders', `${taken} is set by the gateway for provider ${model.provider} (its key, apiKeyRef) and cannot be set here`);
  }
  // Rules run even when some field failed (so every error is reported at once): that field then holds its raw input.
  const required = Object.hasOwn(REQUIRED_BY_PROVIDER, model.provider) ? REQUIRED_BY_PROVIDER[model.provider] : undefined;
  for (const field of required ?? []) {
    if (model[field] === null) missing(field, `is required for provider ${model.provider}`);
  }
  // Each missing AWS reference falls back to the data plane's AWS_* variable; mixing a configured key id with
  // another identity's secret (or session token) from the environment is never what was meant.
  const { awsAccessKeyIdRef: id, awsSecretAccessKeyRef: secret, awsSessionTokenRef: token } = model;
  if (id !== null && secret === null) missing('awsSecretAccessKeyRef', 'is required together with awsAccessKeyIdRef');
  if (secret !== null && id === null) missing('awsAccessKeyIdRef', 'is required together with awsSecretAccessKeyRef');
  if (token !== null && (id === null || secret === null)) {
    missing('awsSessionTokenRef', 'needs awsAccessKeyIdRef and awsSecretAccessKeyRef as well');
  }
  entraRules(model, missing);
  if (model.responsesApi === true && !RESPONSES_API_PROVIDERS.includes(model.provider)) {
    missing(
      'responsesApi',
      model.provider === 'openai'
        ? 'is implied for provider openai (its deployments always serve the Responses API); leave it out'
        : `is only for providers ${RESPONSES_API_PROVIDERS.join(' and ')}; ${model.provider} deployments get Responses requests translated`,
    );
  }
}

/**
 * Azure OpenAI through Microsoft Entra ID takes exactly one way to a token: `azureAdTokenRef` alone, client
 * credentials (tenant, client id, and a client secret or a client assertion, optionally at another authority host),
 * or the host's managed identity (`azureAdManagedIdentity`, with `azureAdClientId` naming a user-assigned one).
 * Anything else would leave the data plane to guess which credential was meant.
 */
function entraRules(model: ModelFields, problem: (field: keyof ModelFields, message: string) => void): void {
  const given = ENTRA_FIELDS.filter((field) => model[field] !== null);
  // `=== true`: a field that failed its own check holds its raw input here (see modelRules).
  const managedIdentity = model.azureAdManagedIdentity === true;
  if (given.length === 0 && !managedIdentity) return;
  if (model.provider !== 'azure') {
    // The other rules are moot for a provider that never asks Entra ID for a token.
    for (const field of given) problem(field, 'is only for provider azure (Microsoft Entra ID)');
    if (managedIdentity) problem('azureAdManagedIdentity', 'is only for provider azure (Microsoft Entra ID)');
    return;
  }
  const credentials = CLIENT_CREDENTIAL_FIELDS.filter((field) => model[field] !== null);
  if (managedIdentity) {
    // The identity endpoint is asked for a token with at most a client id (which user-assigned identity); a tenant,
    // secret, assertion, token or authority host would belong to another way to a token and never be used. This
    // comes first so a lone azureAdClientId is not taken for incomplete client credentials.
    for (const field of given) {
      if (field !== 'azureAdClientId') problem(field, "cannot go with azureAdManagedIdentity: the host's managed identity gets the token itself");
    }
  } else if (model.azureAdTokenRef !== null) {
    for (const field of credentials) {
      problem(field, 'cannot go with azureAdTokenRef: Entra ID authentication is either a token (azureAdTokenRef) or client credentials, not both');
    }
    if (model.azureAdAuthorityHost !== null) {
      problem('azureAdAuthorityHost', 'is only for Entra ID client credentials; the token of azureAdTokenRef is used as it is');
    }
  } else if (credentials.length === 0) {
    problem(
      'azureAdAuthorityHost',
      'is only for Entra ID client credentials: set azureAdTenantId, azureAdClientId and azureAdClientSecretRef or azureAdClientAssertionRef with it, or leave it out',
    );
  } else {
    const clientCredentials = 'Entra ID client credentials (azureAdTenantId, azureAdClientId, and azureAdClientSecretRef or azureAdClientAssertionRef)';
    if (model.azureAdTenantId === null) problem('azureAdTenantId', `is required for ${clientCredentials}`);
    if (model.azureAdClientId === null) problem('azureAdClientId', `is required for ${clientCredentials}`);
    if (model.azureAdClientSecretRef === null && model.azureAdClientAssertionRef === null) {
      problem('azureAdClientSecretRef', 'is required for Entra ID client credentials, unless azureAdClientAssertionRef (a federated token) is given instead');
    }
    if (model.azureAdClientSecretRef !== null && model.azureAdClientAssertionRef !== null) {
      problem('azureAdClientAssertionRef', 'cannot go with azureAdClientSecretRef: client credentials are a client secret or a client assertion, not both');
    }
  }
  if (model.apiKeyRef !== null && (managedIdentity || model.azureAdTokenRef !== null || credentials.length > 0)) {
    problem('apiKeyRef', 'must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used');
  }
}

export const CreateModelInput = z.object(modelFields).superRefine(modelRules);
export type CreateModelInput = z.output<typeof CreateModelInput>;

/** A field an update may change but not clear, because a model always has it. */
const changeable = () =>
  z
    .unknown()
    .refine((v) => v !== null, 'cannot be cleared; leave it out to keep the current value')
    .optional();
/** A nullable field: an update may change it or clear it with null. */
const clearable = () => z.unknown().optional();

/**
 * A partial update: absent fields keep their value, null clears a nullable one. Only that is checked here; the
 * service merges the patch into the current model and validates the result with `CreateModelInput`, so an update
 * is held to exactly the rules a create is (including rules between fields the patch did not touch).
 */
export const UpdateModelInput = z
  .object({
    name: changeable(),
    provider: changeable(),
    providerModel: changeable(),
    apiBase: clearable(),
    apiKeyRef: clearable(),
    apiVersion: clearable(),
    region: clearable(),
    awsAccessKeyIdRef: clearable(),
    awsSecretAccessKeyRef: clearable(),
    awsSessionTokenRef: clearable(),
    azureAdTenantId: clearable(),
    azureAdClientId: clearable(),
    azureAdClientSecretRef: clearable(),
    azureAdClientAssertionRef: clearable(),
    azureAdTokenRef: clearable(),
    azureAdAuthorityHost: clearable(),
    // Unlike responsesApi, null is taken (and means false, the default): a patch that clears every azureAd* field
    // with null to go back to an api-key can include this one.
    azureAdManagedIdentity: clearable(),
    timeoutMs: clearable(),
    inputCostPerMillion: changeable(),
    outputCostPerMillion: changeable(),
    cachedInputCostPerMillion: clearable(),
    cacheWriteCostPerMillion: clearable(),
    reasoningCostPerMillion: clearable(),
    costPerRequest: clearable(),
    costPerImage: clearable(),
    rpmLimit: clearable(),
    tpmLimit: clearable(),
    weight: changeable(),
    maxInputTokens: clearable(),
    streamIdleTimeoutMs: clearable(),
    responsesApi: changeable(),
    dropParams: changeable(),
    defaultParams: changeable(),
    extraHeaders: changeable(),
    accessGroups: changeable(),
    tags: changeable(),
  } satisfies Record<keyof ModelFields, z.ZodType>)
  .transform(
    (patch) => Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<Record<keyof ModelFields, unknown>>,
  );
export type UpdateModelInput = z.output<typeof UpdateModelInput>;

export const SpendLogsInput = z.object({
  keyId: z.string().nullish().transform((v) => v ?? null),
  limit: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
});

export const UpdateKeyInput = z
  .object({
    alias: z.string().trim().max(200, 'must be at most 200 characters').nullish().transform((v) => (v === undefined ? undefined : v || null)),
    models: modelNames.optional(),
    ...governedPatch,
    blocked: z.boolean().optional(),
    expiresAt: z.date().nullish(),
    modelLimits: keySettings.modelLimits.optional(),
    modelAliases: keySettings.modelAliases.optional(),
    metadata: keySettings.metadata.optional(),
    tags: keySettings.tags.optional(),
    guardrails: keySettings.guardrails.optional(),
    enforcedParams: keySettings.enforcedParams.optional(),
    allowedIps: keySettings.allowedIps.optional(),
    allowedRoutes: keySettings.allowedRoutes.optional(),
    autoRotateDays: keySettings.autoRotateDays.nullish(),
    /** A raise of the budget until a time: both or neither; null clears a running one. */
    tempBudgetIncrease: z.number().finite().positive('must be positive').max(MAX_USD, `must be at most ${MAX_USD} (USD)`).nullish(),
    tempBudgetExpiresAt: z.date().nullish(),
  })
  .superRefine((patch, ctx) => {
    const amount = patch.tempBudgetIncrease;
    const until = patch.tempBudgetExpiresAt;
    if ((amount == null) !== (until == null)) {
      ctx.addIssue({ code: 'custom', path: [amount == null ? 'tempBudgetIncrease' : 'tempBudgetExpiresAt'], message: 'tempBudgetIncrease and tempBudgetExpiresAt go together', input: patch });
    }
    if (until != null && until.getTime() <= Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['tempBudgetExpiresAt'], message: 'must be in the future', input: until });
    }
  });
export type UpdateKeyInput = z.output<typeof UpdateKeyInput>;

export const CreateOrganizationInput = z.object({ name, models: modelNames, ...governedFields }).superRefine(softWithinMax);
export type CreateOrganizationInput = z.output<typeof CreateOrganizationInput>;

export const UpdateOrganizationInput = TenantPatch;
export type UpdateOrganizationInput = z.output<typeof UpdateOrganizationInput>;

const email = z.string().trim().toLowerCase().pipe(z.email('must be an email address').max(320));
/** At least 12 characters (NIST SP 800-63B), at most 200 so hashing stays cheap. */
const password = z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters');

export const CreateUserInput = z
  .object({
    email,
    name: z.string().trim().max(200).nullish().transform((v) => v || null),
    role: z.enum(USER_ROLES),
    organizationId: optionalId,
    password: password.nullish().transform((v) => v ?? null),
    ...governedFields,
  })
  .superRefine(softWithinMax);
export type CreateUserInput = z.output<typeof CreateUserInput>;

export const UpdateUserInput = z.object({
  name: z.string().trim().max(200).nullish(),
  role: z.enum(USER_ROLES).optional(),
  blocked: z.boolean().optional(),
  ...governedPatch,
});
export type UpdateUserInput = z.output<typeof UpdateUserInput>;

export const SetPasswordInput = z.object({ userId: z.string(), password, currentPassword: z.string().nullish() });

export const TeamMemberInput = z.object({
  teamId: z.string(),
  userId: z.string(),
  /** Absent: a new member's is `member`, an existing member's is kept (a budget change must not demote a team admin). */
  role: z.enum(TEAM_ROLES).nullish().transform((v) => v ?? null),
  /** The member's own hard budget in the team, over the team's `memberMaxBudget`: absent keeps it, null clears it. */
  maxBudget: usd().nullish(),
});
export type TeamMemberInput = z.output<typeof TeamMemberInput>;

export const LoginInput = z.object({ email, password: z.string().min(1, 'must not be empty').max(200) });

export const AuditLogInput = z.object({
  actorId: z.string().nullish().transform((v) => v ?? null),
  entityType: z.string().nullish().transform((v) => v ?? null),
  entityId: z.string().nullish().transform((v) => v ?? null),
  action: z.string().nullish().transform((v) => v ?? null),
  from: z.date().nullish().transform((v) => v ?? null),
  to: z.date().nullish().transform((v) => v ?? null),
  first: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
  after: z.string().nullish().transform((v) => v ?? null),
});
export type AuditLogInput = z.output<typeof AuditLogInput>;

export const BudgetAlertsInput = z.object({
  subjectKind: z.enum(ALERT_SUBJECT_KINDS).nullish().transform((v) => v ?? null),
  subjectId: z.guid('must be an id').nullish().transform((v) => v ?? null),
  threshold: z.enum(ALERT_THRESHOLDS).nullish().transform((v) => v ?? null),
  first: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
  after: z.string().nullish().transform((v) => v ?? null),
});

/** Filters of the live spend stream; each narrows what the caller may see anyway. As long as live spend carries them. */
/** An id filter: a UUID (lower case, as ids are stored), so a name or a typo is an error rather than a silent stream. */
const idFilter = (what: string) =>
  z.string().trim().toLowerCase().pipe(z.uuid(`must be a ${what} id (a UUID), not a name`)).nullish().transform((v) => v ?? null);

export const SpendStreamInput = z.object({
  teamId: idFilter('team'),
  keyId: idFilter('key'),
  model: z.string().max(200, 'must be at most 200 characters').nullish().transform((v) => v ?? null),
});
export type SpendStreamInput = z.output<typeof SpendStreamInput>;

/** Regenerating a key: the old key keeps working for `gracePeriodSeconds` (0: stops at once; at most 30 days). */
export const RegenerateKeyInput = z.object({
  gracePeriodSeconds: z.number().int('must be a whole number of seconds').min(0, 'must not be negative').max(30 * 86_400, 'must be at most 30 days').nullish().transform((v) => v ?? 0),
});

export const KeyPageInput = z.object({
  first: z.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500'),
  after: z.string().nullish().transform((v) => v ?? null),
  teamId: z.string().nullish().transform((v) => v ?? null),
  ownerId: z.string().nullish().transform((v) => v ?? null),
  organizationId: z.string().nullish().transform((v) => v ?? null),
  keyType: z.enum(KEY_TYPES).nullish().transform((v) => v ?? null),
  blocked: z.boolean().nullish().transform((v) => v ?? null),
  search: z.string().trim().max(200, 'must be at most 200 characters').nullish().transform((v) => v || null),
});

export const SpendReportInput = z
  .object({
    dimension: z.enum([...SPEND_DIMENSIONS, 'metadata'], `must be one of ${[...SPEND_DIMENSIONS, 'metadata'].join(', ')}`),
    /** With dimension `metadata`: the metadata field to group by (`generation_name`, `project`, …). */
    metadataKey: z.string().trim().min(1).max(200, 'must be at most 200 characters').nullish().transform((v) => v ?? null),
    from: z.date().nullish().transform((v) => v ?? null),
    to: z.date().nullish().transform((v) => v ?? null),
    byDay: z.boolean().nullish().transform((v) => v ?? false),
    value: z.string().max(500).nullish().transform((v) => v ?? null),
    first: z.number().int().min(1, 'must be at least 1').max(5000, 'must be at most 5000'),
  })
  .superRefine((input, ctx) => {
    if (input.from && input.to && input.from > input.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from', input: input.to });
    if (input.dimension === 'metadata') {
      if (input.metadataKey === null) ctx.addIssue({ code: 'custom', path: ['metadataKey'], message: 'is required with dimension metadata', input: null });
      // Metadata is read from the ledger, not the roll-ups: a bounded range keeps that an index range scan.
      if (input.from === null || input.to === null || input.to.getTime() - input.from.getTime() > 92 * 86_400_000) {
        ctx.addIssue({ code: 'custom', path: ['from'], message: 'spend by metadata needs from and to, at most 92 days apart', input: input.from });
      }
    }
  });
export type SpendReportInput = z.output<typeof SpendReportInput>;

// --- The governance catalogue: budget tiers, tags, guardrail policies, MCP servers, end users -----------------

export const SaveBudgetTierInput = z.object({ name, ...governedFields }).superRefine(softWithinMax);
export type SaveBudgetTierInput = z.output<typeof SaveBudgetTierInput>;

export const SaveTagInput = z.object({
  // Clients name several tags in one header (`x-tollgate-tags`), comma-separated: a tag with a comma could never be sent there.
  name: name.refine((tag) => !tag.includes(','), 'must not contain a comma (x-tollgate-tags separates tags with commas)'),
  description: z.string().trim().max(1000, 'must be at most 1000 characters').nullish().transform((v) => v || null),
  ...governedFields,
}).superRefine(softWithinMax);
export type SaveTagInput = z.output<typeof SaveTagInput>;

export const SaveGuardrailPolicyInput = z.object({
  name,
  /** What it checks: pii, secrets, prompt_injection, regex, webhook, … (behaviour comes with the guardrails work). */
  kind: z.string().trim().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a kind such as pii, regex or webhook'),
  mode: z.enum(['pre_call', 'during_call', 'post_call'], 'must be pre_call, during_call or post_call'),
  action: z.enum(['block', 'mask', 'log'], 'must be block, mask or log').nullish().transform((v) => v ?? 'block'),
  settings: smallObject.superRefine(checkSettingSecrets).nullish().transform((v) => v ?? {}),
  defaultOn: z.boolean().nullish().transform((v) => v ?? false),
});
export type SaveGuardrailPolicyInput = z.output<typeof SaveGuardrailPolicyInput>;

/** A setting whose name says it holds a credential (`apiKey`, `api_key`, `token`, `accessToken`, `password`, …). */
const CREDENTIAL_SETTING = /(^key|api[-_]?key|secret|token|password|passwd|credentials?|authorization|bearer)$/i;

/**
 * A guardrail's settings are read by every admin who may read guardrails, in every organization, and kept in the
 * audit log: a credential among them (a moderation service's key, at any depth; one in a webhook's URL) must be a
 * reference, as a model's are. The message names the setting, never its value.
 */
function checkSettingSecrets(settings: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null) {
      for (const [name, inner] of Object.entries(value)) {
        const at = path === '' ? name : `${path}.${name}`;
        const problem = typeof inner === 'string' && CREDENTIAL_SETTING.test(name) ? secretRefProblem(inner) : null;
        if (problem !== null) ctx.addIssue({ code: 'custom', message: `${at} holds a credential, so its value ${problem}`, input: undefined });
        else if (typeof inner === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(inner) && urlCarriesCredential(inner)) {
          // A webhook's URL with `user:password@` or `?api_key=`: the credential in plain sight of every reader.
          ctx.addIssue({ code: 'custom', message: `${at} is a URL that carries a credential (a user and password, or a key in the query): give the credential in a setting of its own (such as apiKey) as an env: or file: reference`, input: undefined });
        } else walk(inner, at);
      }
    }
  };
  walk(settings, '');
}

export const SaveMcpServerInput = z.object({
  /** Prefix of its tools as clients see them, so only characters tool names allow. */
  name: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  url: upstreamUrl('put it in authRef, as an env: or file: reference'),
  transport: z.enum(['streamable_http', 'sse'], 'must be streamable_http or sse').nullish().transform((v) => v ?? 'streamable_http'),
  authRef: secretRef,
  description: z.string().trim().max(1000).nullish().transform((v) => v || null),
});
export type SaveMcpServerInput = z.output<typeof SaveMcpServerInput>;

export const McpToolPermissionInput = z.object({
  serverId: z.string(),
  subjectType: z.enum(['org', 'team', 'key'], 'must be org, team or key'),
  subjectId: z.string(),
  /** Tool names (without the server prefix); empty: every tool. */
  tools: textList(500).nullish().transform((v) => v ?? []),
});
export type McpToolPermissionInput = z.output<typeof McpToolPermissionInput>;

/** A budget tier is not among the settings of the end user `*` (`ANY_END_USER`, see the schema package). */
const ANY_END_USER_TIER = 'is not for the end user *, whose own budget and limits apply to each end user without settings of its own: set them on * itself';

export const SaveEndUserInput = z.object({
  externalId: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  alias: z.string().trim().max(200).nullish().transform((v) => v || null),
  blocked: z.boolean().nullish().transform((v) => v ?? false),
  budgetTierId: z.string().nullish().transform((v) => v ?? null),
  ...governedFields,
}).superRefine((input, ctx) => {
  softWithinMax(input, ctx);
  if (input.externalId === ANY_END_USER && input.budgetTierId !== null) {
    ctx.addIssue({ code: 'custom', path: ['budgetTierId'], message: ANY_END_USER_TIER, input: input.budgetTierId });
  }
});
export type SaveEndUserInput = z.output<typeof SaveEndUserInput>;

/** `checkModelHealth`: the deployments to check (duplicates dropped), or null for every live one. */
export const CheckModelHealthInput = z.object({
  modelIds: z
    .array(z.string())
    .min(1, 'must name at least one deployment; leave it out to check them all')
    .max(MAX_HEALTH_CHECK_MODELS, `must name at most ${MAX_HEALTH_CHECK_MODELS} deployments; leave it out to check them all`)
    .nullish()
    // Ids as the config carries them (lower case), so data planes find them.
    .transform((ids) => (ids ? [...new Set(ids.map((id) => id.toLowerCase()))] : null)),
});
export type CheckModelHealthInput = z.output<typeof CheckModelHealthInput>;

/** `reportModelHealth`, from a data plane: the results in the shared schema's shape. */
export const ReportModelHealthInput = z.object({
  requestId: z.uuid('must be the id of a health-check request').nullish().transform((v) => v ?? null),
  results: z.array(ModelHealthResult).max(10_000),
});
export type ReportModelHealthInput = z.output<typeof ReportModelHealthInput>;
