import { describe, expect, it } from 'vitest';
import { deploymentCount, deploymentLabel, groupModels, modelNames, weightShare } from './modelGroups';
import { model } from './testing/fixtures';

describe('groupModels', () => {
  it('should put the deployments of one name in one group, groups by name, deployments in the order given', () => {
    const groups = groupModels([
      model({ id: 'east', name: 'gpt-4o', provider: 'openai', weight: 3 }),
      model({ id: 'mock', name: 'mock-gpt' }),
      model({ id: 'west', name: 'gpt-4o', provider: 'azure', weight: 1 }),
      model({ id: 'north', name: 'gpt-4o', provider: 'openai' }),
      model({ id: 'claude', name: 'claude' }),
    ]);
    expect(groups.map((group) => [group.name, group.deployments.map((d) => d.id)])).toEqual([
      ['claude', ['claude']],
      ['gpt-4o', ['east', 'west', 'north']],
      ['mock-gpt', ['mock']],
    ]);
    expect(groups[1]).toMatchObject({ totalWeight: 5, providers: ['openai', 'azure'], managedBy: null });
  });

  it('should sum the capacity per minute, unknown as soon as one deployment has none', () => {
    const [known] = groupModels([
      model({ id: 'a', rpmLimit: 600, tpmLimit: 100_000 }),
      model({ id: 'b', rpmLimit: 400, tpmLimit: 50_000 }),
    ]);
    expect(known).toMatchObject({ rpmLimit: 1000, tpmLimit: 150_000 });
    const [partial] = groupModels([model({ id: 'a', rpmLimit: 600 }), model({ id: 'b', rpmLimit: null })]);
    expect(partial).toMatchObject({ rpmLimit: null, tpmLimit: null });
  });

  it('should mark a group declared in the config file as file-managed', () => {
    const [group] = groupModels([model({ id: 'a', managedBy: 'file', deployment: 'east' }), model({ id: 'b', managedBy: 'file' })]);
    expect(group?.managedBy).toBe('file');
  });

  it('should give no groups for no models', () => {
    expect(groupModels([])).toEqual([]);
  });
});

describe('model group helpers', () => {
  it('should name each model group once, sorted', () => {
    expect(modelNames([model({ name: 'b' }), model({ name: 'a' }), model({ name: 'b' })])).toEqual(['a', 'b']);
  });

  it("should give a deployment's share of weighted traffic", () => {
    expect(weightShare({ weight: 3 }, { totalWeight: 4 })).toBe(75);
    expect(weightShare({ weight: 1 }, { totalWeight: 3 })).toBe(33);
    expect(weightShare({ weight: 1 }, { totalWeight: 0 })).toBe(0);
  });

  it("should label a deployment by the config file's deployment id, else by the start of its id", () => {
    expect(deploymentLabel({ id: '0b9c3a52-7a1e-4a57-9d1e-1f7c2a9e0001', deployment: 'us-east' })).toBe('us-east');
    expect(deploymentLabel({ id: '0b9c3a52-7a1e-4a57-9d1e-1f7c2a9e0001', deployment: null })).toBe('0b9c3a52');
  });

  it('should count deployments in words', () => {
    expect(deploymentCount(1)).toBe('1 deployment');
    expect(deploymentCount(3)).toBe('3 deployments');
  });
});
