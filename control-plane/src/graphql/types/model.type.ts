import { ProviderKind } from '@tollgate/schema';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Model } from '../../db/entities/index.js';
import { modelSettings } from '../../services/config-mappers.js';
import { AZURE_AD, DEFAULT_PARAMS, DROP_PARAMS, EXTRA_HEADERS, RESPONSES_API } from '../inputs/create-model.input.js';
import { GraphQLJSON } from '../scalars.js';

@ObjectType('Model', { description: 'One deployment of a model name; the deployments sharing a name are a model group, routed among by the data planes.' })
export class ModelObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: `One of: ${ProviderKind.options.join(', ')}.` })
  provider!: string;

  @Field(() => String)
  providerModel!: string;

  @Field(() => String, { nullable: true })
  apiBase!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the provider credential is read from (env:NAME or file:/path); never the credential.' })
  apiKeyRef!: string | null;

  @Field(() => String, { nullable: true, description: 'Azure OpenAI api-version; Anthropic anthropic-version override.' })
  apiVersion!: string | null;

  @Field(() => String, { nullable: true, description: 'AWS region (Bedrock).' })
  region!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the AWS access key id is read from (env:NAME or file:/path); null: AWS_ACCESS_KEY_ID.' })
  awsAccessKeyIdRef!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the AWS secret access key is read from; never the key itself. Null: AWS_SECRET_ACCESS_KEY.' })
  awsSecretAccessKeyRef!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the AWS session token is read from; never the token itself. Null: AWS_SESSION_TOKEN.' })
  awsSessionTokenRef!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tenantId })
  azureAdTenantId!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientId })
  azureAdClientId!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientSecretRef })
  azureAdClientSecretRef!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.clientAssertionRef })
  azureAdClientAssertionRef!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.tokenRef })
  azureAdTokenRef!: string | null;

  @Field(() => String, { nullable: true, description: AZURE_AD.authorityHost })
  azureAdAuthorityHost!: string | null;

  @Field(() => Boolean, { description: AZURE_AD.managedIdentity })
  azureAdManagedIdentity!: boolean;

  @Field(() => Int, { nullable: true, description: 'Upstream time to first byte in milliseconds; null: the data plane default.' })
  timeoutMs!: number | null;

  @Field(() => Float)
  inputCostPerMillion!: number;

  @Field(() => Float)
  outputCostPerMillion!: number;

  @Field(() => Float, { nullable: true })
  cachedInputCostPerMillion!: number | null;

  @Field(() => Float, { nullable: true })
  cacheWriteCostPerMillion!: number | null;

  @Field(() => Float, { nullable: true, description: "USD per million reasoning tokens; null: the pricing table's, else the output price." })
  reasoningCostPerMillion!: number | null;

  @Field(() => Float, { nullable: true, description: "USD per request, on top of tokens; null: the pricing table's, else none." })
  costPerRequest!: number | null;

  @Field(() => Float, { nullable: true, description: "USD per input image, on top of tokens; null: the pricing table's, else none." })
  costPerImage!: number | null;

  @Field(() => Int, { nullable: true })
  rpmLimit!: number | null;

  @Field(() => Float, { nullable: true })
  tpmLimit!: number | null;

  @Field(() => Int)
  weight!: number;

  @Field(() => Int, { nullable: true })
  maxInputTokens!: number | null;

  @Field(() => Int, { nullable: true })
  streamIdleTimeoutMs!: number | null;

  @Field(() => Boolean, { description: RESPONSES_API })
  responsesApi!: boolean;

  @Field(() => [String], { description: DROP_PARAMS })
  dropParams!: string[];

  @Field(() => GraphQLJSON, { description: DEFAULT_PARAMS })
  defaultParams!: Record<string, unknown>;

  @Field(() => GraphQLJSON, { description: EXTRA_HEADERS })
  extraHeaders!: Record<string, string>;

  @Field(() => [String])
  accessGroups!: string[];

  @Field(() => [String])
  tags!: string[];

  @Field(() => String, { nullable: true, description: 'file when declared in tollgate.yaml (read-only here).' })
  managedBy!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "How the config file tells this deployment from the others of its name: the entry's deployment (LiteLLM: model_info.id), or #n for its n-th entry of the name. Null for models made through the API.",
  })
  deployment!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  static from(model: Model): ModelObject {
    return Object.assign(new ModelObject(), { id: model.id, ...modelSettings(model), managedBy: model.managedBy, deployment: model.deployment, createdAt: model.createdAt });
  }

  /**
   * The deployment as a reader inside an organization sees it: how it is reached (its address, the references to its
   * credentials, Azure's and AWS's identities, its extra headers) is the proxy admins' alone. Models are proxy-wide, so
   * every organization's users list them all; these fields told one tenant another's private endpoints.
   */
  static forTenant(model: Model): ModelObject {
    const shown = ModelObject.from(model);
    for (const field of REACH_FIELDS) shown[field] = null;
    shown.extraHeaders = {};
    return shown;
  }
}

/** How a deployment is reached: its address and the references to its credentials and identities (`forTenant`). */
const REACH_FIELDS = [
  'apiBase', 'apiKeyRef', 'awsAccessKeyIdRef', 'awsSecretAccessKeyRef', 'awsSessionTokenRef', 'azureAdTenantId', 'azureAdClientId',
  'azureAdClientSecretRef', 'azureAdClientAssertionRef', 'azureAdTokenRef', 'azureAdAuthorityHost',
] as const satisfies ReadonlyArray<keyof ModelObject>;
