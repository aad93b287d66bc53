import { randomUUID } from 'node:crypto';
import { ArrayType, BigIntType, Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { creationTime, money } from './columns.js';

/**
 * One upstream deployment of a model clients call by `name`. Several live models may share a name: together they
 * are a model group, and the data plane's router spreads a group's requests over its deployments.
 */
@Entity({ tableName: 'model' })
// Lookups by name (a group's deployments) only ever want live models.
@Index({
  name: 'model_name_live_index',
  expression: 'create index "model_name_live_index" on "model" ("name") where "deleted_at" is null',
})
export class Model {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  name!: string;

  /** A schema `ProviderKind`. */
  @Property({ type: 'text' })
  provider!: string;

  @Property({ type: 'text' })
  providerModel!: string;

  @Property({ type: 'text', nullable: true })
  apiBase: string | null = null;

  /** A schema `SecretRef` (`env:NAME` or `file:/path`): where the data plane finds the credential, never the credential. */
  @Property({ type: 'text', nullable: true })
  apiKeyRef: string | null = null;

  /** Azure OpenAI `api-version`; Anthropic `anthropic-version` override. */
  @Property({ type: 'text', nullable: true })
  apiVersion: string | null = null;

  /** AWS region (Bedrock). */
  @Property({ type: 'text', nullable: true })
  region: string | null = null;

  /** Bedrock credentials, as schema `SecretRef`s like `apiKeyRef`; null lets the data plane use its AWS_* defaults. */
  @Property({ type: 'text', nullable: true })
  awsAccessKeyIdRef: string | null = null;

  @Property({ type: 'text', nullable: true })
  awsSecretAccessKeyRef: string | null = null;

  @Property({ type: 'text', nullable: true })
  awsSessionTokenRef: string | null = null;

  /**
   * Azure OpenAI through Microsoft Entra ID instead of an api-key: a token reference, or an app registration's
   * client credentials (the tenant and client ids are not secrets; the secret and assertion are `SecretRef`s). Null:
   * the deployment uses `apiKeyRef`.
   */
  @Property({ type: 'text', nullable: true })
  azureAdTenantId: string | null = null;

  @Property({ type: 'text', nullable: true })
  azureAdClientId: string | null = null;

  @Property({ type: 'text', nullable: true })
  azureAdClientSecretRef: string | null = null;

  @Property({ type: 'text', nullable: true })
  azureAdClientAssertionRef: string | null = null;

  @Property({ type: 'text', nullable: true })
  azureAdTokenRef: string | null = null;

  /** Where client credentials are exchanged for a token; null: https://login.microsoftonline.com. */
  @Property({ type: 'text', nullable: true })
  azureAdAuthorityHost: string | null = null;

  /**
   * The token comes from the Azure host's managed identity (its `IDENTITY_ENDPOINT` or the instance metadata
   * service): the system-assigned one, or the user-assigned one whose client id is `azureAdClientId`. No secret to
   * hold, so nothing else of Entra ID is set with it.
   */
  @Property({ type: 'boolean', default: false })
  azureAdManagedIdentity: Opt<boolean> = false;

  /** Upstream time to first byte, milliseconds; null = the data plane's default. */
  @Property({ type: 'integer', nullable: true })
  timeoutMs: number | null = null;

  /** USD per million input tokens. */
  @Property(money())
  inputCostPerMillion!: number;

  /** USD per million output tokens. */
  @Property(money())
  outputCostPerMillion!: number;

  /** USD per million cached input tokens (cache reads); null: the pricing table's for the provider's model, else the input price. */
  @Property({ ...money(), nullable: true })
  cachedInputCostPerMillion: number | null = null;

  /** USD per million tokens written to the prompt cache; null: the pricing table's for the provider's model, else the input price. */
  @Property({ ...money(), nullable: true })
  cacheWriteCostPerMillion: number | null = null;

  /** USD per million reasoning tokens; null: the pricing table's, else the output price. */
  @Property({ ...money(), nullable: true })
  reasoningCostPerMillion: number | null = null;

  /** USD per request and per input image, on top of tokens; null: the pricing table's, else none. */
  @Property({ ...money(), nullable: true })
  costPerRequest: number | null = null;

  @Property({ ...money(), nullable: true })
  costPerImage: number | null = null;

  /** The deployment's capacity: requests and tokens per minute (routing and limits); null: unknown. */
  @Property({ type: 'integer', nullable: true })
  rpmLimit: number | null = null;

  @Property({ type: new BigIntType('number'), nullable: true })
  tpmLimit: number | null = null;

  /** Share of traffic among deployments of the same model name. */
  @Property({ type: 'integer', default: 1 })
  weight: Opt<number> = 1;

  /** Context window in tokens (prompt + answer), for context-window checks and fallbacks; null: unknown. */
  @Property({ type: 'integer', nullable: true })
  maxInputTokens: number | null = null;

  /** Longest pause between streamed chunks before the upstream is given up, milliseconds; null: default. */
  @Property({ type: 'integer', nullable: true })
  streamIdleTimeoutMs: number | null = null;

  /** Serves OpenAI's Responses API: Responses requests are forwarded to it as sent (azure, openai_compatible). */
  @Property({ type: 'boolean', default: false })
  responsesApi: Opt<boolean> = false;

  /** Request body fields taken out before a request goes to this deployment (a dot reaches into an object). */
  @Property({ type: ArrayType, default: '{}' })
  dropParams: Opt<string[]> = [];

  /** Request body fields a request to this deployment gets where it does not set them (objects merged). */
  @Property({ type: 'json', default: '{}' })
  defaultParams: Opt<Record<string, unknown>> = {};

  /** HTTP headers sent with every request to this deployment; values are secret references or non-secret text. */
  @Property({ type: 'json', default: '{}' })
  extraHeaders: Opt<Record<string, string>> = {};

  /** Access groups: keys and teams may name a group instead of each model. */
  @Property({ type: ArrayType, default: '{}' })
  accessGroups: Opt<string[]> = [];

  @Property({ type: ArrayType, default: '{}' })
  tags: Opt<string[]> = [];

  /** `file` when declared in tollgate.yaml (read-only through the API); null when made through the API. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  /**
   * Which deployment of its group this is, as the config file tells its entries apart (its `deployment`, LiteLLM's
   * `model_info.id`, else `#n` for the n-th entry of the name): how a file edit finds the row it changes. Null for
   * models made through the API, which are told apart by id.
   */
  @Property({ type: 'text', nullable: true })
  deployment: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = creationTime();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}
