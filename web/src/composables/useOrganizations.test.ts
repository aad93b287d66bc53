import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch } from '../testing/fakeApi';
import { organization } from '../testing/fixtures';
import { toCreateOrganizationInput, useOrganizations } from './useOrganizations';

afterEach(() => vi.unstubAllGlobals());

describe('toCreateOrganizationInput', () => {
  it('should require a name and parse models and budget', () => {
    expect(toCreateOrganizationInput({ name: ' ', models: '', budget: '' })).toMatchObject({
      error: { fieldErrors: { name: [expect.any(String)] } },
    });
    expect(toCreateOrganizationInput({ name: ' acme ', models: 'a, b', budget: '50' })).toEqual({
      input: { name: 'acme', models: ['a', 'b'], maxBudget: 50 },
    });
  });
});

describe('useOrganizations', () => {
  it('should add a created organization in name order', async () => {
    installFakeFetch({
      Organizations: () => ({ data: { organizations: [organization({ id: 'o1', name: 'zeta' })] } }),
      CreateOrganization: () => ({ data: { createOrganization: organization({ id: 'o2', name: 'acme' }) } }),
    });
    const orgs = useOrganizations();
    await flushPromises();

    await orgs.create({ name: 'acme', models: '', budget: '' });

    expect(orgs.organizations.value.map((o) => o.name)).toEqual(['acme', 'zeta']);
  });

  it('should show a duplicate name inline', async () => {
    installFakeFetch({
      Organizations: () => ({ data: { organizations: [] } }),
      CreateOrganization: () => graphQLError('CONFLICT', 'An organization with this name already exists.'),
    });
    const orgs = useOrganizations();
    await flushPromises();

    await orgs.create({ name: 'acme', models: '', budget: '' });

    expect(orgs.createError.value?.message).toBe('An organization with this name already exists.');
  });

  it('should block at once and roll back when refused', async () => {
    const api = installFakeFetch({
      Organizations: () => ({ data: { organizations: [organization()] } }),
      UpdateOrganization: () => graphQLError('FORBIDDEN', 'Not allowed'),
    });
    const orgs = useOrganizations();
    await flushPromises();

    const pending = orgs.setBlocked(organization().id, true);
    expect(orgs.organizations.value[0]?.blocked).toBe(true);
    await pending;

    expect(orgs.organizations.value[0]?.blocked).toBe(false);
    expect(orgs.actionError.value).toBe('Could not block acme: Not allowed');
    expect(api.requests.at(-1)?.variables).toEqual({ id: organization().id, input: { blocked: true } });
  });
});
