import { describe, expect, it } from 'vitest';
import { perMillion } from './litellm-format.js';
import { parseConfigText } from './parse.js';

const ENV = { AZURE_API_BASE: 'https://acme.openai.azure.com', AWS_REGION_NAME: 'eu-west-1' };

const parse = (text: string, env: NodeJS.ProcessEnv = ENV) => parseConfigText(text, env);
const desired = (text: string, env?: NodeJS.ProcessEnv) => {
  const result = parse(text, env);
  if (!result.ok) throw new Error(`expected a valid file, got ${JSON.stringify(result.errors)}`);
  return result;
};
const errors = (text: string) => {
  const result = parse(text);
  if (result.ok) throw new Error('expected problems');
  return result.errors;
};
const entry = (params: string, extra = '') => `model_list:\n  - model_name: m\n    litellm_params:\n${params}${extra}`;

describe("LiteLLM's config.yaml", () => {
  it('should be told apart by its model_list and map each entry to a model', () => {
    const result = desired(`
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 600
      tpm: 100000
      timeout: 30
      stream_timeout: 12.5
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
    model_info:
      max_input_tokens: 128000
      access_groups: [beta]
      mode: chat
      supports_vision: true
  - model_name: azure-gpt
    litellm_params:
      model: azure/my-deployment
      api_base: os.environ/AZURE_API_BASE
      api_version: "2024-10-21"
      api_key: os.environ/AZURE_API_KEY
    model_info:
      input_cost_per_token: 0.000001
      output_cost_per_token: 0.000002
      cache_read_input_token_cost: 0.0000005
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
      input_cost_per_token: 3e-06
      output_cost_per_token: 1.5e-05
      cache_creation_input_token_cost: 3.75e-06
  - model_name: flash
    litellm_params: { model: gemini/gemini-2.5-flash, api_key: os.environ/GEMINI_API_KEY, input_cost_per_token: 0, output_cost_per_token: 0, output_cost_per_reasoning_token: 3.5e-06 }
    model_info: { input_cost_per_image: 0.0001315, input_cost_per_request: 0.002 }
  - model_name: nova
    litellm_params:
      model: bedrock/converse/us.amazon.nova-pro-v1:0
      aws_region_name: os.environ/AWS_REGION_NAME
      aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID
      aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY
      input_cost_per_token: 0
      output_cost_per_token: 0
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
`);
    expect(result.format).toBe('litellm');
    expect(result.warnings).toEqual([]);
    const models = Object.fromEntries(result.desired.models.map((m) => [m.value.name, m.value]));
    expect(result.desired.models.map((m) => m.path)).toEqual(['model_list[0]', 'model_list[1]', 'model_list[2]', 'model_list[3]', 'model_list[4]']);
    expect(models['gpt-4o']).toMatchObject({
      provider: 'openai',
      providerModel: 'gpt-4o',
      apiBase: null,
      apiKeyRef: 'env:OPENAI_API_KEY',
      rpmLimit: 600,
      tpmLimit: 100000,
      timeoutMs: 30_000,
      streamIdleTimeoutMs: 12_500,
      inputCostPerMillion: 2.5,
      outputCostPerMillion: 10,
      maxInputTokens: 128000,
      accessGroups: ['beta'],
    });
    expect(models['azure-gpt']).toMatchObject({
      provider: 'azure',
      providerModel: 'my-deployment',
      apiBase: 'https://acme.openai.azure.com',
      apiVersion: '2024-10-21',
      apiKeyRef: 'env:AZURE_API_KEY',
      inputCostPerMillion: 1,
      outputCostPerMillion: 2,
      cachedInputCostPerMillion: 0.5,
      // LiteLLM sends /v1/responses to Azure's Responses API as is; so does Tollgate for this deployment.
      responsesApi: true,
    });
    expect(models['gpt-4o']!.responsesApi).toBe(false);
    expect(models.claude).toMatchObject({ provider: 'anthropic', providerModel: 'claude-sonnet-4-5', inputCostPerMillion: 3, outputCostPerMillion: 15, cacheWriteCostPerMillion: 3.75, responsesApi: false });
    expect(models.flash).toMatchObject({
      provider: 'gemini',
      providerModel: 'gemini-2.5-flash',
      apiKeyRef: 'env:GEMINI_API_KEY',
      reasoningCostPerMillion: 3.5,
      costPerImage: 0.0001315,
      costPerRequest: 0.002,
    });
    expect(models.nova).toMatchObject({
      provider: 'bedrock',
      providerModel: 'us.amazon.nova-pro-v1:0',
      region: 'eu-west-1',
      awsAccessKeyIdRef: 'env:AWS_ACCESS_KEY_ID',
      awsSecretAccessKeyRef: 'env:AWS_SECRET_ACCESS_KEY',
    });
    expect(result.desired.masterKey).toEqual({ path: 'general_settings.master_key', value: 'env:LITELLM_MASTER_KEY' });
  });

  it.each([
    ['openai/gpt-4o with an api_base elsewhere', 'model: openai/qwen\n      api_base: http://127.0.0.1:8000/v1', { provider: 'openai_compatible', providerModel: 'qwen', apiBase: 'http://127.0.0.1:8000/v1', responsesApi: true }],
    ['openai/ at api.openai.com', 'model: openai/gpt-4o\n      api_base: https://api.openai.com/v1', { provider: 'openai', apiBase: 'https://api.openai.com/v1' }],
    ['hosted_vllm/', 'model: hosted_vllm/meta-llama/Llama-3.1-8B\n      api_base: http://vllm:8000/v1', { provider: 'openai_compatible', providerModel: 'meta-llama/Llama-3.1-8B', apiBase: 'http://vllm:8000/v1', responsesApi: false }],
    ['ollama/ with its base', 'model: ollama/llama3\n      api_base: http://ollama:11434', { provider: 'openai_compatible', providerModel: 'llama3', apiBase: 'http://ollama:11434/v1' }],
    ['ollama_chat/ on the default base', 'model: ollama_chat/llama3', { provider: 'openai_compatible', apiBase: 'http://localhost:11434/v1' }],
    ['groq/', 'model: groq/llama-3.3-70b-versatile', { provider: 'openai_compatible', providerModel: 'llama-3.3-70b-versatile', apiBase: 'https://api.groq.com/openai/v1', responsesApi: false }],
    ['together_ai/', 'model: together_ai/meta-llama/Llama-3-70b', { provider: 'openai_compatible', providerModel: 'meta-llama/Llama-3-70b', apiBase: 'https://api.together.xyz/v1' }],
    ['deepseek/', 'model: deepseek/deepseek-chat', { provider: 'openai_compatible', apiBase: 'https://api.deepseek.com/v1' }],
    ['mistral/', 'model: mistral/mistral-large-latest', { provider: 'openai_compatible', apiBase: 'https://api.mistral.ai/v1' }],
    ['bedrock/ without converse/', 'model: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0\n      aws_region_name: us-east-1', { provider: 'bedrock', providerModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' }],
    ['custom_llm_provider', 'model: my-model\n      custom_llm_provider: openai\n      api_base: http://10.0.0.5/v1', { provider: 'openai_compatible', providerModel: 'my-model' }],
  ])('should map %s', (_what, params, expected) => {
    const result = desired(entry(`      ${params}\n      input_cost_per_token: 0\n      output_cost_per_token: 0\n`));
    expect(result.desired.models[0]!.value).toMatchObject(expected);
  });

  it('should forward Responses requests to an OpenAI-compatible deployment whose supported_endpoints name /v1/responses, as LiteLLM does', () => {
    const prices = '      input_cost_per_token: 0\n      output_cost_per_token: 0\n';
    const vllm = (endpoints: string) => desired(entry(`      model: hosted_vllm/qwen3\n      api_base: http://vllm:8000/v1\n${prices}`, `    model_info:\n      supported_endpoints: ${endpoints}\n`));
    const marked = vllm('["/v1/chat/completions", "/v1/responses"]');
    expect(marked.warnings).toEqual([]);
    expect(marked.desired.models[0]!.value).toMatchObject({ provider: 'openai_compatible', responsesApi: true });
    expect(vllm('["/v1/chat/completions"]').desired.models[0]!.value.responsesApi).toBe(false);
    // Not a provider that can be marked: Anthropic's Responses requests are translated whatever the file says.
    const claude = desired(entry(`      model: anthropic/claude-sonnet-4-5\n${prices}`, `    model_info:\n      supported_endpoints: ["/v1/responses"]\n`));
    expect(claude.desired.models[0]!.value.responsesApi).toBe(false);
  });

  it('should refuse literal secrets, telling to use os.environ/, without repeating them', () => {
    const problems = errors(`
model_list:
  - model_name: m
    litellm_params: { model: openai/gpt-4o, api_key: sk-proj-abcdef0123456789, input_cost_per_token: 0, output_cost_per_token: 0 }
  - model_name: b
    litellm_params: { model: bedrock/x, aws_region_name: us-east-1, aws_access_key_id: AKIAABCDEFGHIJKLMNOP, aws_secret_access_key: os.environ/S }
general_settings:
  master_key: sk-1234567890abcdef
`);
    expect(problems).toEqual([
      { path: 'model_list[0].litellm_params.api_key', message: expect.stringContaining('is a literal secret; write it as os.environ/NAME') },
      { path: 'model_list[1].litellm_params.aws_access_key_id', message: expect.stringContaining('is a literal secret') },
      { path: 'general_settings.master_key', message: expect.stringContaining('is a literal secret') },
    ]);
    const text = JSON.stringify(problems);
    for (const secret of ['sk-proj-abcdef0123456789', 'AKIAABCDEFGHIJKLMNOP', 'sk-1234567890abcdef']) expect(text).not.toContain(secret);
  });

  it("should map Azure's Microsoft Entra ID settings, secrets as references, and report them on other providers and beside an api_key", () => {
    const env = { ...ENV, AZURE_TENANT_ID: 'contoso.onmicrosoft.com' };
    const azure = '      model: azure/gpt-4o\n      api_base: https://acme.openai.azure.com\n      api_version: "2024-10-21"\n      input_cost_per_token: 0\n      output_cost_per_token: 0\n';
    const credentials = desired(
      entry(`${azure}      tenant_id: os.environ/AZURE_TENANT_ID\n      client_id: 00000000-0000-4000-8000-00000000c11e\n      client_secret: os.environ/AZURE_CLIENT_SECRET\n      azure_authority_host: https://login.microsoftonline.us\n`),
      env,
    );
    expect(credentials.warnings).toEqual([]);
    expect(credentials.desired.models[0]!.value).toMatchObject({
      provider: 'azure',
      apiKeyRef: null,
      // Not a secret: read from the control plane's environment when the file is loaded, as api_base is.
      azureAdTenantId: 'contoso.onmicrosoft.com',
      azureAdClientId: '00000000-0000-4000-8000-00000000c11e',
      azureAdClientSecretRef: 'env:AZURE_CLIENT_SECRET',
      azureAdClientAssertionRef: null,
      azureAdTokenRef: null,
      azureAdAuthorityHost: 'https://login.microsoftonline.us',
      // LiteLLM has no parameter for it.
      azureAdManagedIdentity: false,
    });
    const token = desired(entry(`${azure}      azure_ad_token: os.environ/AZURE_AD_TOKEN\n`));
    expect(token.desired.models[0]!.value).toMatchObject({ azureAdTokenRef: 'env:AZURE_AD_TOKEN', azureAdTenantId: null, azureAdClientSecretRef: null });

    const openai = desired(entry('      model: openai/gpt-4o\n      api_key: os.environ/OPENAI_API_KEY\n      tenant_id: contoso.onmicrosoft.com\n      input_cost_per_token: 0\n      output_cost_per_token: 0\n'));
    expect(openai.warnings).toEqual([{ path: 'model_list[0].litellm_params.tenant_id', message: 'Microsoft Entra ID credentials are only for azure/ models; ignored' }]);
    expect(openai.desired.models[0]!.value).toMatchObject({ azureAdTenantId: null });

    const secret = 'Xq98Q~plaintext.client-secret_0123456789';
    const problems = errors(`
model_list:
  - model_name: literal
    litellm_params: { model: azure/gpt-4o, api_base: https://acme.openai.azure.com, api_version: "2024-10-21", tenant_id: contoso.onmicrosoft.com, client_id: 00000000-0000-4000-8000-00000000c11e, client_secret: ${secret} }
  - model_name: both
    litellm_params: { model: azure/gpt-4o, api_base: https://acme.openai.azure.com, api_version: "2024-10-21", api_key: os.environ/AZURE_API_KEY, azure_ad_token: os.environ/AZURE_AD_TOKEN }
`);
    expect(problems).toEqual([
      { path: 'model_list[0].litellm_params.client_secret', message: expect.stringContaining('is a literal secret; write it as os.environ/NAME') },
      { path: 'model_list[1].litellm_params.api_key', message: 'must be left out: the deployment authenticates with Microsoft Entra ID (azureAd* fields), so an api-key would not be used' },
    ]);
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('should report unsupported prefixes, missing prefixes and missing settings at the entry', () => {
    const problems = errors(`
model_list:
  - model_name: a
    litellm_params: { model: cohere/command-r }
  - model_name: b
    litellm_params: { model: vertex_ai/gemini-pro }
  - model_name: c
    litellm_params: { model: gpt-4o }
  - model_name: d
    litellm_params: { model: azure/dep, api_base: https://x.openai.azure.com }
  - model_name: e
    litellm_params: { model: hosted_vllm/llama }
  - model_name: f
    litellm_params: { model: openai/*, api_key: os.environ/K }
  - model_name: g
    litellm_params: { model: openai/gpt-4o, api_base: os.environ/UNSET_BASE, rpm: many }
  - litellm_params: { model: openai/gpt-4o }
  - model_name: i
`);
    expect(problems).toEqual([
      { path: 'model_list[0].litellm_params.model', message: expect.stringMatching(/^provider "cohere\/" is not supported; supported: openai\/, azure\//) },
      { path: 'model_list[1].litellm_params.model', message: expect.stringContaining('use gemini/') },
      { path: 'model_list[2].litellm_params.model', message: expect.stringContaining('needs a provider prefix, such as openai/gpt-4o') },
      { path: 'model_list[3].litellm_params.api_version', message: 'is required for provider azure' },
      { path: 'model_list[4].litellm_params.api_base', message: 'is required for provider openai_compatible' },
      { path: 'model_list[5].litellm_params.model', message: expect.stringContaining('wildcard models are not supported yet') },
      { path: 'model_list[6].litellm_params.api_base', message: expect.stringContaining("os.environ/UNSET_BASE is not set in the control plane's environment") },
      { path: 'model_list[6].litellm_params.rpm', message: 'must be a number' },
      { path: 'model_list[7].model_name', message: expect.stringContaining('is required') },
      { path: 'model_list[8].litellm_params', message: expect.stringContaining('is required') },
    ]);
  });

  it('should warn about every setting it ignores', () => {
    const result = desired(`
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/A, max_retries: 3, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
    model_info: { id: abc, custom_thing: 1 }
  - model_name: free
    litellm_params: { model: openai/house-model }
router_settings:
  routing_strategy: least-busy
  redis_host: os.environ/REDIS_HOST
  timeout: 30
litellm_settings:
  drop_params: true
  request_timeout: 10
  max_end_user_budget: 0.5
general_settings:
  master_key: os.environ/MK
  database_url: os.environ/DATABASE_URL
  alerting: [slack]
environment_variables:
  FOO: bar
`);
    expect(result.desired.models.map((m) => m.value.name)).toEqual(['gpt', 'free']);
    expect(result.warnings).toEqual([
      { path: 'model_list[0].litellm_params.max_retries', message: 'not supported by Tollgate; ignored' },
      { path: 'model_list[0].model_info.custom_thing', message: 'not supported by Tollgate; ignored' },
      { path: 'model_list[1]', message: expect.stringContaining('recorded at cost 0') },
      { path: 'general_settings.database_url', message: expect.stringContaining('DATABASE_URL') },
      { path: 'general_settings.alerting', message: 'not supported by Tollgate; ignored' },
      { path: 'router_settings.redis_host', message: 'not supported by Tollgate; ignored' },
      { path: 'router_settings.timeout', message: expect.stringContaining('set timeouts per model') },
      { path: 'litellm_settings.drop_params', message: expect.stringContaining('list them per model in litellm_params.additional_drop_params') },
      { path: 'litellm_settings.request_timeout', message: expect.stringContaining('set timeouts per model') },
      { path: 'litellm_settings.max_end_user_budget', message: expect.stringContaining('saveEndUser(input: {externalId: "*", maxBudget') },
      { path: 'environment_variables', message: expect.stringContaining('set these in the environment') },
    ]);
    expect(result.desired.router).toEqual({ path: 'router_settings', value: { settings: { strategy: 'least_busy' }, paths: { strategy: 'router_settings.routing_strategy' } } });
  });

  it('should say which data-plane variable to set for each general setting Tollgate enforces there, with its value', () => {
    const result = desired(`
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/A, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
general_settings:
  allowed_ips: [10.0.0.0/8, 192.168.1.7]
  enforce_user_param: true
  enforced_params: [metadata.generation_name]
  max_request_size_mb: 10
`);
    expect(result.warnings).toEqual([
      { path: 'general_settings.allowed_ips', message: expect.stringContaining("set TOLLGATE_ALLOWED_IPS=10.0.0.0/8,192.168.1.7 in every data plane's environment, else they take requests from any client address") },
      { path: 'general_settings.enforce_user_param', message: expect.stringContaining('set TOLLGATE_ENFORCED_PARAMS=user,metadata.generation_name') },
      { path: 'general_settings.enforced_params', message: expect.stringContaining('set TOLLGATE_ENFORCED_PARAMS=user,metadata.generation_name') },
      { path: 'general_settings.max_request_size_mb', message: expect.stringContaining('set TOLLGATE_MAX_BODY_BYTES=10485760') },
    ]);
    for (const { message } of result.warnings) expect(message).toMatch(/^not enforced from this file/);
  });

  it("should take the prices an entry leaves out from the pricing table, by base_model where given, as LiteLLM takes them from its cost map", () => {
    const result = desired(`
model_list:
  - model_name: azure-gpt
    litellm_params: { model: azure/my-deployment, api_base: https://acme.openai.azure.com, api_version: "2024-10-21", api_key: os.environ/A }
    model_info: { base_model: azure/gpt-4o }
  - model_name: half
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/A, input_cost_per_token: 0.000001 }
  - model_name: house
    litellm_params: { model: openai/house-model, api_key: os.environ/A, input_cost_per_token: 0.000001 }
  - model_name: renamed
    litellm_params: { model: azure/other-deployment, api_base: https://acme.openai.azure.com, api_version: "2024-10-21", api_key: os.environ/A }
    model_info: { base_model: azure/no-such-model }
`);
    const model = (name: string) => result.desired.models.find((m) => m.value.name === name)!.value;
    // gpt-4o's list prices (USD per million): 2.5 in, 10 out, 1.25 cached; the deployment's name finds nothing, so the
    // cache price comes along.
    expect(model('azure-gpt')).toMatchObject({ inputCostPerMillion: 2.5, outputCostPerMillion: 10, cachedInputCostPerMillion: 1.25 });
    // The entry's own price stays; only the missing one is the table's.
    expect(model('half')).toMatchObject({ inputCostPerMillion: 1, outputCostPerMillion: 10 });
    expect(model('house')).toMatchObject({ inputCostPerMillion: 1, outputCostPerMillion: 0 });
    expect(result.warnings).toEqual([
      { path: 'model_list[2]', message: 'no output_cost_per_token, and the pricing table has no price for this model: "house"\'s output tokens are recorded at cost 0' },
      { path: 'model_list[3].model_info.base_model', message: 'the pricing table has no price for "azure/no-such-model": give the entry its prices' },
      { path: 'model_list[3]', message: 'no input_cost_per_token or output_cost_per_token, and the pricing table has no price for this model: "renamed"\'s input and output tokens are recorded at cost 0' },
    ]);
  });

  it("should take a model's additional_drop_params as the fields its requests go without, and say what drop_params becomes", () => {
    expect(errors(`
model_list:
  - model_name: bad
    litellm_params: { model: openai/x, api_base: http://127.0.0.1:8000/v1, additional_drop_params: [messages] }
`)).toEqual([{ path: 'model_list[0].litellm_params.additional_drop_params', message: 'cannot drop messages: every request needs it' }]);
    const lenient = desired(`
model_list:
  - model_name: mistral-small
    litellm_params: { model: openai/mistral-small-latest, api_base: https://api.mistral.ai/v1, api_key: os.environ/MISTRAL_API_KEY, drop_params: true, additional_drop_params: [metadata, user, "tools.*.function.strict"] }
`);
    expect(lenient.desired.models[0]!.value).toMatchObject({ provider: 'openai_compatible', dropParams: ['metadata', 'user', 'tools.*.function.strict'] });
    expect(lenient.warnings).toContainEqual({ path: 'model_list[0].litellm_params.drop_params', message: expect.stringContaining('Tollgate sends a provider it translates to only the fields its API takes') });
  });

  it("should take a model's extra_headers, with os.environ/ references", () => {
    const result = desired(`
model_list:
  - model_name: router
    litellm_params: { model: openai/meta-llama/llama-3.1-8b, api_base: https://openrouter.ai/api/v1, api_key: os.environ/OPENROUTER_KEY, extra_headers: { HTTP-Referer: "https://acme.example", X-Title: Acme, X-Proxy-Key: os.environ/PROXY_KEY } }
`);
    expect(result.desired.models[0]!.value.extraHeaders).toEqual({ 'HTTP-Referer': 'https://acme.example', 'X-Title': 'Acme', 'X-Proxy-Key': 'env:PROXY_KEY' });
    expect(errors(entry('      model: openai/x\n      extra_headers: { X-Proxy-Key: plain-secret }\n'))).toEqual([
      { path: 'model_list[0].litellm_params.extra_headers', message: expect.stringContaining('X-Proxy-Key carries a credential') },
    ]);
  });

  it("should take a model's request parameters (and extra_body's) as its defaultParams where they are the provider's own names", () => {
    const result = desired(`
model_list:
  - model_name: qwen
    litellm_params: { model: hosted_vllm/Qwen/Qwen3-8B, api_base: http://vllm:8000/v1, temperature: 0.7, max_tokens: 2048, extra_body: { chat_template_kwargs: { enable_thinking: false } } }
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: os.environ/ANTHROPIC_API_KEY, temperature: 0.2 }
`);
    expect(result.desired.models.map((m) => m.value.defaultParams)).toEqual([{ temperature: 0.7, max_tokens: 2048, chat_template_kwargs: { enable_thinking: false } }, {}]);
    expect(result.warnings).toContainEqual({ path: 'model_list[1].litellm_params.temperature', message: expect.stringContaining('give anthropic model defaultParams in its API\'s own names') });
    expect(errors(entry('      model: openai/x\n      extra_body: [1]\n'))).toEqual([{ path: 'model_list[0].litellm_params.extra_body', message: 'must be an object' }]);
  });

  it('should import every deployment of a name as one model group, with its weight, capacity, timeouts, region, tags and id', () => {
    const result = desired(`
x-prices: &prices { input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001 }
model_list:
  - model_name: gpt-4o
    litellm_params: { model: azure/gpt-4o-eu, api_base: os.environ/AZURE_API_BASE, api_version: "2024-10-21", api_key: os.environ/AZURE_EU_KEY, weight: 3, rpm: 600, tpm: 90000, timeout: 20, stream_timeout: 5, tags: [eu], <<: *prices }
    model_info: { id: azure-eu }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, <<: *prices }
    model_info: { tpm: 30000 }
    rpm: 100
  - model_name: gpt-4o
    litellm_params: { model: bedrock/converse/openai.gpt-oss-120b-1:0, aws_region_name: os.environ/AWS_REGION_NAME, <<: *prices }
    model_info: { id: 7 }
  - model_name: mini
    litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, <<: *prices }
`);
    expect(result.warnings).toEqual([]);
    expect(result.desired.models.map((m) => [m.path, m.value.name, m.value.deployment, m.value.provider])).toEqual([
      ['model_list[0]', 'gpt-4o', 'azure-eu', 'azure'],
      ['model_list[1]', 'gpt-4o', '#2', 'openai'],
      ['model_list[2]', 'gpt-4o', '7', 'bedrock'],
      ['model_list[3]', 'mini', '#1', 'openai'],
    ]);
    expect(result.desired.models[0]!.value).toMatchObject({ weight: 3, rpmLimit: 600, tpmLimit: 90000, timeoutMs: 20_000, streamIdleTimeoutMs: 5_000, tags: ['eu'] });
    // Capacity from model_info or the entry itself, as LiteLLM's router reads it.
    expect(result.desired.models[1]!.value).toMatchObject({ weight: 1, rpmLimit: 100, tpmLimit: 30000 });
    expect(result.desired.models[2]!.value).toMatchObject({ region: 'eu-west-1' });

    expect(errors(`
model_list:
  - { model_name: m, litellm_params: { model: openai/a, api_key: os.environ/K }, model_info: { id: same } }
  - { model_name: m, litellm_params: { model: openai/b, api_key: os.environ/K }, model_info: { id: same } }
  - { model_name: n, litellm_params: { model: openai/c, api_key: os.environ/K }, model_info: { id: "#1" } }
`)).toEqual([
      { path: 'model_list[2].model_info.id', message: 'must not start with # (#n stands for the n-th entry of a name)' },
      { path: 'model_list[1].model_info.id', message: 'is already the id of model_list[0], another deployment of "m"' },
    ]);
  });

  it('should map router_settings, and the router keys of litellm_settings, onto the router settings', () => {
    const models = `
model_list:
  - { model_name: gpt-4o, litellm_params: { model: openai/gpt-4o, api_key: os.environ/K, input_cost_per_token: 0, output_cost_per_token: 0 } }
  - { model_name: claude, litellm_params: { model: anthropic/claude-sonnet-4-5, api_key: os.environ/K, input_cost_per_token: 0, output_cost_per_token: 0 } }
`;
    const result = desired(`${models}
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 3
  retry_policy: { TimeoutErrorRetries: 1, RateLimitErrorRetries: 0, InternalServerErrorRetries: 2, AuthenticationErrorRetries: 0, BadRequestErrorRetries: 1 }
  allowed_fails: 5
  allowed_fails_policy: { RateLimitErrorAllowedFails: 1, ServiceUnavailableErrorAllowedFails: 2 }
  cooldown_time: 12.5
  retry_after: 0.2
  fallbacks: [{ gpt-4o: [claude] }, { "*": [claude] }]
  context_window_fallbacks: [{ claude: gpt-4o }]
litellm_settings:
  num_retries: 1
  content_policy_fallbacks: [{ claude: [gpt-4o] }]
`);
    expect(result.desired.router?.value.settings).toEqual({
      strategy: 'usage_based',
      numRetries: 3,
      retryPolicy: { timeout: 1, rate_limit: 0, server_error: 2, auth: 0 },
      allowedFails: 5,
      allowedFailsPolicy: { rate_limit: 1 },
      cooldownMs: 12_500,
      backoffMs: 200,
      fallbacks: { 'gpt-4o': ['claude'] },
      contextWindowFallbacks: { claude: ['gpt-4o'] },
      contentPolicyFallbacks: { claude: ['gpt-4o'] },
    });
    expect(result.desired.router?.value.paths).toMatchObject({ numRetries: 'router_settings.num_retries', contentPolicyFallbacks: 'litellm_settings.content_policy_fallbacks' });
    expect(result.warnings).toEqual([
      { path: 'router_settings.retry_policy.BadRequestErrorRetries', message: expect.stringContaining('never retries a bad request') },
      { path: 'router_settings.allowed_fails_policy.ServiceUnavailableErrorAllowedFails', message: expect.stringContaining('use InternalServerErrorAllowedFails') },
      { path: 'router_settings.fallbacks[1].*', message: expect.stringContaining('(*) are not supported') },
      { path: 'litellm_settings.num_retries', message: 'router_settings.num_retries is used instead; ignored' },
    ]);
    // Only litellm_settings: read from there.
    expect(desired(`${models}\nlitellm_settings:\n  fallbacks: [{ gpt-4o: [claude] }]\n`).desired.router).toEqual({
      path: 'litellm_settings',
      value: { settings: { fallbacks: { 'gpt-4o': ['claude'] } }, paths: { fallbacks: 'litellm_settings.fallbacks' } },
    });
    expect(desired(models).desired.router).toBeNull();

    expect(errors(`${models}
router_settings:
  routing_strategy: round-robin
  num_retries: many
  cooldown_time: 0.5
  retry_policy: { TimeoutErrorRetries: 20 }
  fallbacks: { gpt-4o: [claude] }
  context_window_fallbacks: [{ claude: [gpt-4o] }, { claude: [gpt-4o] }]
`)).toEqual([
      { path: 'router_settings.routing_strategy', message: expect.stringMatching(/^must be one of simple-shuffle, least-busy/) },
      { path: 'router_settings.num_retries', message: 'must be a number' },
      { path: 'router_settings.fallbacks', message: expect.stringContaining('must be a list of maps') },
      { path: 'router_settings.context_window_fallbacks[1].claude', message: 'the fallbacks of "claude" are already given at router_settings.context_window_fallbacks[0].claude' },
      { path: 'router_settings.retry_policy.TimeoutErrorRetries', message: expect.stringContaining('<=10') },
      { path: 'router_settings.cooldown_time', message: 'must be at least 1 second' },
    ]);
    expect(errors(`${models}\nrouter_settings:\n  fallbacks: [{ gpt-4o: [gpt-4o] }]\n`)).toEqual([
      { path: 'router_settings.fallbacks', message: '"gpt-4o" falls back to itself' },
    ]);
  });

  it("should read Tollgate's own sections (keys, teams, …) beside model_list, with their problems at their paths", () => {
    const text = (keys: string) => `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, input_cost_per_token: 0, output_cost_per_token: 0 }
teams:
  - name: platform
    models: [gpt]
keys:
${keys}
`;
    const result = desired(text('  - { alias: app, key: os.environ/APP_KEY, team: platform }'));
    expect(result.format).toBe('litellm');
    expect(result.warnings).toEqual([]);
    expect(result.desired.teams.map((t) => t.value.name)).toEqual(['platform']);
    expect(result.desired.keys).toEqual([{ path: 'keys[0]', value: expect.objectContaining({ alias: 'app', secret: { ref: 'env:APP_KEY' }, team: 'platform' }) }]);
    expect(errors(text('  - { alias: app, key: sk-literal-abcdefgh, tema: platform }'))).toEqual([
      { path: 'keys[0].key', message: expect.stringContaining('secrets must not be written in the file') },
      { path: 'keys[0].tema', message: 'unknown field' },
    ]);
  });

  it('should turn per-token prices into per-million ones without float noise', () => {
    expect(perMillion(0.0000025)).toBe(2.5);
    expect(perMillion(1.5e-5)).toBe(15);
    expect(perMillion(3e-7)).toBe(0.3);
    expect(perMillion(0)).toBe(0);
  });
});
