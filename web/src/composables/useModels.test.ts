import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { model } from '../testing/fixtures';
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
});
