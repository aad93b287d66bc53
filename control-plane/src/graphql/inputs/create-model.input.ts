import { ProviderKind } from '@tollgate/schema';
import { Field, Float, InputType, Int } from 'type-graphql';
import { GraphQLJSON } from '../scalars.js';

const PROVIDER = `One of: ${ProviderKind.options.join(', ')}. azure needs apiBase and apiVersion, openai_compatible needs apiBase, bedrock needs region.`;
const REF = 'env:NAME or file:/path; never the secret itself.';
/** Shared with the Model type's field. */
export const RESPONSES_API =
  "The deployment serves OpenAI's Responses API (azure: /openai/v1/responses; openai_compatible: {apiBase}/responses), so /v1/responses requests go to it as sent instead of translated to chat completions. openai deployments always do; other providers cannot.";

/** Shared with the Model type's field. */
export const DROP_PARAMS =
  "Request body fields taken out before a request goes to this deployment, named as its provider's API names them (metadata, user, parallel_tool_calls); a dot reaches into an object (generationConfig.seed), * into every element of an array (tools.*.function.strict). For servers that refuse fields they do not know, such as Mistral's API. Dropping stream_options sends streams without them.";

/** Shared with the Model type's field. */
export const DEFAULT_PARAMS =
  'Request body fields every request to this deployment gets where it does not set them, named as its provider\'s API names them, e.g. {"chat_template_kwargs": {"enable_thinking": false}} or {"reasoning_effort": "low"}; objects are merged field by field. Applied after dropParams, so a field named in both is enforced. At most 16 KB of JSON.';

/** Shared with the Model type's field. */
export const EXTRA_HEADERS =
  'HTTP headers sent with every request to this deployment, { "<name>": "<value>" } (a proxy or API gateway in front of the provider, OpenRouter\'s HTTP-Referer and X-Title): a value that is a secret reference (env:NAME, file:/path) is resolved when sent; a header whose name says it carries a credential (key, token, secret, auth, …) must have one. The provider\'s own headers cannot be set. At most 20.';

/**
 * Shared with the Model type's fields: Azure OpenAI through Microsoft Entra ID. The rules between them are the
 * service's (`entraRules` in services/inputs.ts); `ENTRA_ID` states them once, on the fields that start either way.
 */
const ENTRA_ID =
  'Microsoft Entra ID instead of an api-key (provider azure, apiKeyRef left out): azureAdTokenRef alone; azureAdTenantId and azureAdClientId with one of azureAdClientSecretRef, azureAdClientAssertionRef; or azureAdManagedIdentity, with azureAdClientId only for a user-assigned identity.';
export const AZURE_AD = {
  tenantId: `The app registration's tenant: its id (a GUID) or a domain such as contoso.onmicrosoft.com. ${ENTRA_ID}`,
  clientId:
    "The app registration's application (client) id, a GUID; for Entra ID client credentials. With azureAdManagedIdentity: the user-assigned managed identity's client id (null: the system-assigned identity).",
  clientSecretRef: "Where the app registration's client secret is read from (env:NAME or file:/path); never the secret itself.",
  clientAssertionRef:
    'Where a client assertion is read from (env:NAME or file:/path): a federated token, such as the file AKS workload identity mounts, re-read when it changes.',
  tokenRef: `Where a bearer token for the deployment is read from (env:NAME or file:/path), kept fresh outside the gateway; never the token itself. ${ENTRA_ID}`,
  authorityHost:
    'Where client credentials are exchanged for a token, an https URL (sovereign clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn); null: https://login.microsoftonline.com.',
  managedIdentity: `The data plane gets the token from the Azure host's managed identity (App Service, Container Apps and Functions through IDENTITY_ENDPOINT, VMs and AKS nodes through the instance metadata service): the system-assigned one, or the user-assigned one whose client id is azureAdClientId; the other azureAd* fields stay null. ${ENTRA_ID}`,
};

/** Shapes only; the service validates content (zod) and reports field errors. */
/** A deployment's prices beyond input and output, its capacity and its routing fields, optional in both inputs. */
@InputType('ModelDeploymentFieldsInput')
abstract class ModelDeploymentFields {
  @Field(() => Float, { nullable: true, description: "USD per million cache-read input tokens; null: the pricing table's for the provider's model, else the input price." })
  cachedInputCostPerMillion?: number | null;

  @Field(() => Float, { nullable: true, description: "USD per million cache-write input tokens; null: the pricing table's for the provider's model, else the input price." })
  cacheWriteCostPerMillion?: number | null;

  @Field(() => Float, { nullable: true, description: "USD per million reasoning tokens; null: the pricing table's, else the output price." })
  reasoningCostPerMillion?: number | null;

  @Field(() => Float, { nullable: true, description: "USD per request, on top of tokens; null: the pricing table's, else none." })
  costPerRequest?: number | null;

  @Field(() => Float, { nullable: true, description: "USD per input image, on top of tokens; null: the pricing table's, else none." })
  costPerImage?: number | null;

  @Field(() => Int, { nullable: true, description: "The deployment's requests per minute." })
  rpmLimit?: number | null;

  @Field(() => Float, { nullable: true, description: "The deployment's tokens per minute." })
  tpmLimit?: number | null;

  @Field(() => Int, { nullable: true, description: 'Share of traffic among deployments of one model name (default 1).' })
  weight?: number | null;

  @Field(() => Int, { nullable: true, description: 'Context window in tokens.' })
  maxInputTokens?: number | null;

  @Field(() => Int, { nullable: true, description: 'Longest pause between streamed chunks, milliseconds.' })
  streamIdleTimeoutMs?: number | null;

  @Field(() => Boolean, { nullable: true, description: `${RESPONSES_API} Default false.` })
  responsesApi?: boolean | null;

  @Field(() => [String], { nullable: true, description: DROP_PARAMS })
  dropParams?: string[] | null;

  @Field(() => GraphQLJSON, { nullable: true, description: DEFAULT_PARAMS })
  defaultParams?: Record<string, unknown> | null;

  @Field(() => GraphQLJSON, { nullable: true, description: EXTRA_HEADERS })
  extraHeaders?: Record<string, string> | null;

  @Field(() => [String], { nullable: true })
  accessGroups?: string[] | null;

  @Field(() => [String], { nullable: true })
  tags?: string[] | null;
}

@InputType('CreateModelInput')
export class CreateModelInput extends ModelDeploymentFields {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: PROVIDER })
  provider!: string;

  @Field(() => String)
  providerModel!: string;

  @Field(() => String, { nullable: true })
  apiBase?: string | null;

  @Field(() => String, { nullable: true, description: REF })
  apiKeyRef?: string | null;

  @Field(() => String, { nullable: true, description: 'Azure OpenAI api-version; Anthropic anthropic-version override.' })
  apiVersion?: string | null;

  @Field(() => String, { nullable: true, description: 'AWS region (Bedrock).' })
  region?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Set together with awsSecretAccessKeyRef.` })
  awsAccessKeyIdRef?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Set together with awsAccessKeyIdRef.` })
  awsSecretAccessKeyRef?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Needs both other AWS references.` })
  awsSessionTokenRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tenantId })
  azureAdTenantId?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientId })
  azureAdClientId?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientSecretRef })
  azureAdClientSecretRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientAssertionRef })
  azureAdClientAssertionRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tokenRef })
  azureAdTokenRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.authorityHost })
  azureAdAuthorityHost?: string | null;

  @Field(() => Boolean, { nullable: true, description: `${AZURE_AD.managedIdentity} Default false.` })
  azureAdManagedIdentity?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Upstream time to first byte in milliseconds, 1..3600000.' })
  timeoutMs?: number | null;

  @Field(() => Float)
  inputCostPerMillion!: number;

  @Field(() => Float)
  outputCostPerMillion!: number;
}

/**
 * Every field optional: a field left out keeps its value, null clears a nullable one. The result must satisfy
 * the same rules as CreateModelInput.
 */
@InputType('UpdateModelInput', { description: 'Fields left out keep their value; null clears a nullable field.' })
export class UpdateModelInput extends ModelDeploymentFields {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: PROVIDER })
  provider?: string | null;

  @Field(() => String, { nullable: true })
  providerModel?: string | null;

  @Field(() => String, { nullable: true })
  apiBase?: string | null;

  @Field(() => String, { nullable: true, description: REF })
  apiKeyRef?: string | null;

  @Field(() => String, { nullable: true, description: 'Azure OpenAI api-version; Anthropic anthropic-version override.' })
  apiVersion?: string | null;

  @Field(() => String, { nullable: true, description: 'AWS region (Bedrock).' })
  region?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Set together with awsSecretAccessKeyRef.` })
  awsAccessKeyIdRef?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Set together with awsAccessKeyIdRef.` })
  awsSecretAccessKeyRef?: string | null;

  @Field(() => String, { nullable: true, description: `${REF} Needs both other AWS references.` })
  awsSessionTokenRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tenantId })
  azureAdTenantId?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientId })
  azureAdClientId?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientSecretRef })
  azureAdClientSecretRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientAssertionRef })
  azureAdClientAssertionRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tokenRef })
  azureAdTokenRef?: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.authorityHost })
  azureAdAuthorityHost?: string | null;

  @Field(() => Boolean, { nullable: true, description: `${AZURE_AD.managedIdentity} Default false.` })
  azureAdManagedIdentity?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Upstream time to first byte in milliseconds, 1..3600000.' })
  timeoutMs?: number | null;

  @Field(() => Float, { nullable: true })
  inputCostPerMillion?: number | null;

  @Field(() => Float, { nullable: true })
  outputCostPerMillion?: number | null;
}
