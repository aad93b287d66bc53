import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, graphQLError, installFakeFetch, type FakeAnswer } from '../testing/fakeApi';
import { model, modelHealth } from '../testing/fixtures';
import { toCreateModelInput, useModels, type ModelFormValues } from './useModels';

const form = (overrides: Partial<ModelFormValues> = {}): ModelFormValues => ({
  name: 'gpt-4o',
  provider: 'openai',
  providerModel: '',
  apiBase: '',
  apiKeyRef: '',
  apiVersion: '',
  region: '',
  inputCost: 2.5,
  outputCost: '10',
  weight: '',
  rpmLimit: '',
  tpmLimit: '',
  maxInputTokens: '',
  timeoutMs: '',
  tags: '',
  ...overrides,
});

afterEach(() => vi.unstubAllGlobals());

describe('toCreateModelInput', () => {
  it('should default the provider model to the name and leave blank options out', () => {
    expect(toCreateModelInput(form({ apiKeyRef: ' env:OPENAI_API_KEY ' }))).toEqual({
      input: {
        name: 'gpt-4o',
        provider: 'openai',
        providerModel: 'gpt-4o',
        apiKeyRef: 'env:OPENAI_API_KEY',
        inputCostPerMillion: 2.5,
        outputCostPerMillion: 10,
      },
    });
  });

  it('should require a name, a known provider and both prices (0 is a price)', () => {
    expect(toCreateModelInput(form({ name: '' }))).toMatchObject({ error: { fieldErrors: { name: [expect.any(String)] } } });
    expect(toCreateModelInput(form({ provider: 'acme' }))).toMatchObject({ error: { fieldErrors: { provider: [expect.any(String)] } } });
    expect(toCreateModelInput(form({ inputCost: '' }))).toMatchObject({
      error: { fieldErrors: { inputCostPerMillion: [expect.any(String)] } },
    });
    expect(toCreateModelInput(form({ inputCost: 0, outputCost: 0 }))).toMatchObject({
      input: { inputCostPerMillion: 0, outputCostPerMillion: 0 },
    });
  });

  it('should send responsesApi only when ticked', () => {
    const azure = { provider: 'azure', apiBase: 'https://res.openai.azure.com', apiVersion: '2024-10-21' };
    expect(toCreateModelInput(form({ ...azure, responsesApi: true }))).toMatchObject({ input: { provider: 'azure', responsesApi: true } });
    const plain = toCreateModelInput(form({ ...azure, responsesApi: false }));
    expect(plain).toMatchObject({ input: { provider: 'azure' } });
    expect('input' in plain && 'responsesApi' in plain.input).toBe(false);
  });

  it('should send the body fields to drop split at commas and whitespace, each once, and leave them out when blank', () => {
    expect(toCreateModelInput(form({ dropParams: ' metadata, user\ttools.*.function.strict ,,\nmetadata ' }))).toMatchObject({
      input: { dropParams: ['metadata', 'user', 'tools.*.function.strict'] },
    });
    expect(toCreateModelInput(form({ dropParams: ' , ' }))).not.toHaveProperty('input.dropParams');
    expect(toCreateModelInput(form())).not.toHaveProperty('input.dropParams');
  });

  it('should send the default body fields as the object typed, and leave them out when blank', () => {
    const qwen = ' {"chat_template_kwargs": {"enable_thinking": false}, "top_k": 20}\n';
    expect(toCreateModelInput(form({ defaultParams: qwen }))).toMatchObject({
      input: { defaultParams: { chat_template_kwargs: { enable_thinking: false }, top_k: 20 } },
    });
    expect(toCreateModelInput(form({ defaultParams: ' \n ' }))).not.toHaveProperty('input.defaultParams');
    expect(toCreateModelInput(form())).not.toHaveProperty('input.defaultParams');
  });

  it('should refuse default body fields that are not a JSON object, naming what they are', () => {
    const refusal = (defaultParams: string) => {
      const parsed = toCreateModelInput(form({ defaultParams }));
      expect(parsed).not.toHaveProperty('input');
      return 'error' in parsed ? parsed.error.fieldErrors : null;
    };
    expect(refusal("{reasoning_effort: 'low'}")).toEqual({ defaultParams: [expect.stringMatching(/^Enter a JSON object .*; this is not valid JSON \(.+\)\.$/)] });
    expect(refusal('[{"reasoning_effort": "low"}]')).toEqual({
      defaultParams: ['Enter a JSON object in braces, such as {"reasoning_effort": "low"}; this is an array.'],
    });
    expect(refusal('42')).toEqual({ defaultParams: [expect.stringMatching(/this is a number\.$/)] });
    expect(refusal('"low"')).toEqual({ defaultParams: [expect.stringMatching(/this is a string\.$/)] });
    expect(refusal('null')).toEqual({ defaultParams: [expect.stringMatching(/this is null\.$/)] });
  });

  it('should send the extra headers as the object typed, and leave them out when blank', () => {
    const headers = ' {"X-Title": "Acme", "X-Proxy-Key": "env:PROXY_KEY"}\n';
    expect(toCreateModelInput(form({ extraHeaders: headers }))).toMatchObject({
      input: { extraHeaders: { 'X-Title': 'Acme', 'X-Proxy-Key': 'env:PROXY_KEY' } },
    });
    expect(toCreateModelInput(form({ extraHeaders: ' \n ' }))).not.toHaveProperty('input.extraHeaders');
    expect(toCreateModelInput(form())).not.toHaveProperty('input.extraHeaders');
  });

  it('should refuse extra headers that are not a JSON object of strings, naming the header but never quoting a value', () => {
    const refusal = (extraHeaders: string) => {
      const parsed = toCreateModelInput(form({ extraHeaders }));
      expect(parsed).not.toHaveProperty('input');
      return 'error' in parsed ? parsed.error.fieldErrors : null;
    };
    expect(refusal('[{"X-Title": "Acme"}]')).toEqual({
      extraHeaders: ['Enter a JSON object of header names and text values, such as {"X-Title": "Acme"}; this is an array.'],
    });
    expect(refusal('"X-Title: Acme"')).toEqual({ extraHeaders: [expect.stringMatching(/this is a string\.$/)] });
    expect(refusal('null')).toEqual({ extraHeaders: [expect.stringMatching(/this is null\.$/)] });
    expect(refusal('{"X-Title": "Acme", "X-Retries": 3}')).toEqual({
      extraHeaders: [expect.stringMatching(/; the value of X-Retries is a number, not a string in quotes\.$/)],
    });
    expect(refusal('{"X-Meta": {"team": "a"}}')).toEqual({ extraHeaders: [expect.stringMatching(/the value of X-Meta is an object,/)] });
    // A pasted key in broken JSON: the parser's message would repeat it, so it is left out.
    const pasted = refusal('{"X-Proxy-Key": sk-live-0123456789abcdef}');
    expect(pasted).toEqual({ extraHeaders: [expect.stringMatching(/; this is not valid JSON\.$/)] });
    expect(JSON.stringify(pasted)).not.toContain('sk-live');
  });

  it("should send a deployment's routing fields when given, as whole numbers of at least 1", () => {
    expect(
      toCreateModelInput(form({ weight: 3, rpmLimit: '600', tpmLimit: 100000, maxInputTokens: 128000, timeoutMs: '30000', tags: 'eu, fast ,eu' })),
    ).toMatchObject({
      input: { weight: 3, rpmLimit: 600, tpmLimit: 100000, maxInputTokens: 128000, timeoutMs: 30000, tags: ['eu', 'fast'] },
    });
    expect(toCreateModelInput(form({ weight: 0 }))).toMatchObject({ error: { fieldErrors: { weight: [expect.any(String)] } } });
    expect(toCreateModelInput(form({ rpmLimit: 1.5 }))).toMatchObject({ error: { fieldErrors: { rpmLimit: [expect.any(String)] } } });
    expect(toCreateModelInput(form({ timeoutMs: 'soon' }))).toMatchObject({ error: { fieldErrors: { timeoutMs: [expect.any(String)] } } });
    const plain = toCreateModelInput(form());
    expect(plain).not.toHaveProperty('input.weight');
    expect(plain).not.toHaveProperty('input.tags');
  });
});

describe('useModels', () => {
  it('should add a created model, and show field errors the server sends', async () => {
    installFakeFetch({
      Models: () => ({ data: { models: [model()] } }),
      CreateModel: (vars) =>
        (vars.input as { provider: string }).provider === 'azure'
          ? graphQLError('BAD_USER_INPUT', 'Invalid input', { apiBase: ['is required for provider azure'] })
          : { data: { createModel: model({ id: 'model-2', name: 'gpt-4o', provider: 'openai' }) } },
    });
    const models = useModels();
    await flushPromises();

    await models.create(form({ provider: 'azure' }));
    expect(models.createError.value?.fieldErrors).toEqual({ apiBase: ['is required for provider azure'] });

    await models.create(form());
    expect(models.models.value.map((m) => m.name)).toEqual(['mock-gpt', 'gpt-4o']);
    expect(models.createError.value).toBeNull();
  });

  it('should send the body fields to drop with the new model, and keep the field errors the server sends on them', async () => {
    const refusal = 'cannot drop messages: every request needs it';
    const api = installFakeFetch({
      Models: () => ({ data: { models: [] } }),
      CreateModel: (vars) => {
        const { dropParams = [] } = vars.input as { dropParams?: string[] };
        return dropParams.includes('messages')
          ? graphQLError('BAD_USER_INPUT', 'Invalid input.', { dropParams: [refusal] })
          : { data: { createModel: model({ id: 'mistral', name: 'mistral-large', provider: 'openai_compatible', dropParams }) } };
      },
    });
    const models = useModels();
    await flushPromises();
    // The list asks for each deployment's dropped fields, to show them.
    expect(api.requests[0]).toMatchObject({ operationName: 'Models', query: expect.stringMatching(/\bdropParams\b/) });

    expect(await models.create(form({ name: 'mistral-large', dropParams: 'metadata messages' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ dropParams: [refusal] });

    await models.create(form({ name: 'mistral-large', dropParams: 'metadata, user' }));
    expect(api.requests.at(-1)).toMatchObject({ operationName: 'CreateModel', variables: { input: { dropParams: ['metadata', 'user'] } } });
    expect(models.createError.value).toBeNull();
    expect(models.models.value.map((m) => m.dropParams)).toEqual([['metadata', 'user']]);
  });

  it('should send the default body fields with the new model, refuse ones that are not an object unsent, and keep the server\'s field errors', async () => {
    const refusal = 'cannot set messages: the gateway sets it for every request';
    const api = installFakeFetch({
      Models: () => ({ data: { models: [] } }),
      CreateModel: (vars) => {
        const { defaultParams = {} } = vars.input as { defaultParams?: Record<string, unknown> };
        return 'messages' in defaultParams
          ? graphQLError('BAD_USER_INPUT', 'Invalid input.', { defaultParams: [refusal] })
          : { data: { createModel: model({ id: 'qwen', name: 'qwen3', provider: 'openai_compatible', defaultParams }) } };
      },
    });
    const models = useModels();
    await flushPromises();
    // The list asks for each deployment's default fields, to show them.
    expect(api.requests[0]).toMatchObject({ operationName: 'Models', query: expect.stringMatching(/\bdefaultParams\b/) });

    // Not an object: refused at the field, nothing sent.
    expect(await models.create(form({ name: 'qwen3', defaultParams: '["reasoning_effort"]' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ defaultParams: [expect.stringContaining('this is an array')] });
    expect(await models.create(form({ name: 'qwen3', defaultParams: '{"reasoning_effort": low}' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ defaultParams: [expect.stringContaining('this is not valid JSON')] });
    expect(api.requests.map((request) => request.operationName)).toEqual(['Models']);

    expect(await models.create(form({ name: 'qwen3', defaultParams: '{"messages": []}' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ defaultParams: [refusal] });

    const defaults = { chat_template_kwargs: { enable_thinking: false } };
    await models.create(form({ name: 'qwen3', defaultParams: JSON.stringify(defaults) }));
    expect(api.requests.at(-1)).toMatchObject({ operationName: 'CreateModel', variables: { input: { defaultParams: defaults } } });
    expect(models.createError.value).toBeNull();
    expect(models.models.value.map((m) => m.defaultParams)).toEqual([defaults]);
  });

  it("should send the extra headers with the new model, refuse ones that are not an object of strings unsent, and keep the server's field errors", async () => {
    const refusal = 'X-Proxy-Key carries a credential, so its value must be a secret reference such as env:NAME or file:/path, not the secret itself';
    const api = installFakeFetch({
      Models: () => ({ data: { models: [] } }),
      CreateModel: (vars) => {
        const { extraHeaders = {} } = vars.input as { extraHeaders?: Record<string, string> };
        return Object.values(extraHeaders).some((value) => value.startsWith('sk-'))
          ? graphQLError('BAD_USER_INPUT', 'Invalid input.', { extraHeaders: [refusal] })
          : { data: { createModel: model({ id: 'router', name: 'router', provider: 'openai_compatible', extraHeaders }) } };
      },
    });
    const models = useModels();
    await flushPromises();
    // The list asks for each deployment's extra headers, to name them.
    expect(api.requests[0]).toMatchObject({ operationName: 'Models', query: expect.stringMatching(/\bextraHeaders\b/) });

    // Not an object of strings: refused at the field, nothing sent.
    expect(await models.create(form({ name: 'router', extraHeaders: '["X-Title"]' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ extraHeaders: [expect.stringContaining('this is an array')] });
    expect(await models.create(form({ name: 'router', extraHeaders: '{"X-Retries": 3}' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ extraHeaders: [expect.stringContaining('the value of X-Retries is a number')] });
    expect(api.requests.map((request) => request.operationName)).toEqual(['Models']);

    expect(await models.create(form({ name: 'router', extraHeaders: '{"X-Proxy-Key": "sk-live-0123"}' }))).toBeFalsy();
    expect(models.createError.value?.fieldErrors).toEqual({ extraHeaders: [refusal] });

    const headers = { 'X-Title': 'Acme', 'X-Proxy-Key': 'env:PROXY_KEY' };
    await models.create(form({ name: 'router', extraHeaders: JSON.stringify(headers) }));
    expect(api.requests.at(-1)).toMatchObject({ operationName: 'CreateModel', variables: { input: { extraHeaders: headers } } });
    expect(models.createError.value).toBeNull();
    expect(models.models.value.map((m) => m.extraHeaders)).toEqual([headers]);
  });

  it('should delete one deployment of a group and keep the others, and put it back when the server refuses', async () => {
    const models = [model({ id: 'a', name: 'gpt-4o' }), model({ id: 'b', name: 'gpt-4o' }), model({ id: 'c', name: 'gpt-4o' })];
    const api = installFakeFetch({
      Models: () => ({ data: { models } }),
      DeleteModel: (vars) =>
        vars.id === 'c'
          ? graphQLError('CONFLICT', 'The router settings name "gpt-4o" and this is its last deployment')
          : { data: { deleteModel: true } },
    });
    const store = useModels();
    await flushPromises();

    expect(await store.remove('a')).toBe(true);
    expect(store.models.value.map((m) => m.id)).toEqual(['b', 'c']);
    expect(api.requests.at(-1)).toMatchObject({ operationName: 'DeleteModel', variables: { id: 'a' } });

    expect(await store.remove('c')).toBe(false);
    expect(store.models.value.map((m) => m.id)).toEqual(['b', 'c']);
    expect(store.deleteError.value).toContain('its last deployment');
  });

  it("should check a group's deployments in one request, busy while it waits, and merge the results into the list", async () => {
    const before = modelHealth({ modelId: 'b', dataPlaneId: 'dp-2', healthy: false, error: 'openai: 500', checkedAt: '2025-01-02T03:00:00.000Z' });
    const answer = deferred<FakeAnswer>();
    const api = installFakeFetch({
      Models: () => ({ data: { models: [model({ id: 'a', name: 'gpt-4o' }), model({ id: 'b', name: 'gpt-4o', health: [before] })] } }),
      CheckModelHealth: () => answer.promise,
    });
    const onChange = vi.fn();
    const store = useModels({ onChange });
    await flushPromises();

    const done = store.checkHealth('group:gpt-4o', ['a', 'b']);
    await flushPromises();
    expect(store.checking.value.has('group:gpt-4o')).toBe(true);
    // The same check again while it runs is not sent.
    expect(await store.checkHealth('group:gpt-4o', ['a', 'b'])).toBe(false);
    expect(api.requests.filter((r) => r.operationName === 'CheckModelHealth')).toHaveLength(1);
    expect(api.requests.at(-1)?.variables).toEqual({ modelIds: ['a', 'b'] });

    const results = [modelHealth({ modelId: 'a' }), modelHealth({ modelId: 'b', latencyMs: 300 })];
    answer.resolve({ data: { checkModelHealth: results } });
    expect(await done).toBe(true);
    expect(store.checking.value.size).toBe(0);
    expect(store.models.value.map((m) => m.health)).toEqual([[results[0]], [before, results[1]]]);
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it("should keep the server's UNAVAILABLE message where the check was asked for, until the next check from there", async () => {
    const unavailable = 'No data plane is connected to run health checks: none subscribed to the config of this gateway with the healthChecks feature (data planes of earlier releases cannot run them).';
    let refuse = true;
    installFakeFetch({
      Models: () => ({ data: { models: [model({ id: 'a' })] } }),
      CheckModelHealth: () => (refuse ? graphQLError('UNAVAILABLE', unavailable) : { data: { checkModelHealth: [modelHealth({ modelId: 'a' })] } }),
    });
    const onChange = vi.fn();
    const store = useModels({ onChange });
    await flushPromises();

    expect(await store.checkHealth('deployment:a', ['a'])).toBe(false);
    expect(store.checkErrors.value).toEqual({ 'deployment:a': unavailable });
    expect(store.checking.value.size).toBe(0);
    expect(store.models.value[0]!.health).toEqual([]);
    expect(onChange).not.toHaveBeenCalled();

    refuse = false;
    expect(await store.checkHealth('deployment:a', ['a'])).toBe(true);
    expect(store.checkErrors.value).toEqual({});
    expect(store.models.value[0]!.health).toHaveLength(1);
  });
});
