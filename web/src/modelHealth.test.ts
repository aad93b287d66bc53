import { describe, expect, it } from 'vitest';
import {
  dataPlanesLabel,
  deploymentHealth,
  deploymentScope,
  groupHealth,
  groupHealthLabel,
  groupScope,
  healthLabel,
  mergeHealth,
} from './modelHealth';
import { model, modelHealth } from './testing/fixtures';

const EARLY = '2025-01-02T03:00:00.000Z';
const LATE = '2025-01-02T03:05:00.000Z';

describe('deploymentHealth', () => {
  it('should call a deployment no data plane has checked "never checked"', () => {
    const health = deploymentHealth([]);
    expect(health).toEqual({ state: 'unchecked', latest: null, healthyDataPlanes: 0, dataPlanes: 0, failures: [] });
    expect(healthLabel(health)).toBe('never checked');
    expect(dataPlanesLabel(health)).toBeNull();
  });

  it('should lead with the most recent result, its latency in the unit a person reads', () => {
    const health = deploymentHealth([
      modelHealth({ dataPlaneId: 'dp-a', checkedAt: EARLY, latencyMs: 90 }),
      modelHealth({ dataPlaneId: 'dp-b', checkedAt: LATE, latencyMs: 1500 }),
    ]);
    expect(health).toMatchObject({ state: 'healthy', latest: { dataPlaneId: 'dp-b' }, healthyDataPlanes: 2, dataPlanes: 2, failures: [] });
    expect(healthLabel(health)).toBe('healthy · 1.5 s');
    expect(dataPlanesLabel(health)).toBeNull();
  });

  it('should say so when the data planes disagree, and keep the failures to read, newest first', () => {
    const health = deploymentHealth([
      modelHealth({ dataPlaneId: 'dp-a', healthy: false, error: 'openai: 401 invalid api key', checkedAt: EARLY }),
      modelHealth({ dataPlaneId: 'dp-b', checkedAt: LATE }),
      modelHealth({ dataPlaneId: 'dp-c', healthy: false, error: 'openai: connection refused', checkedAt: '2025-01-02T03:02:00.000Z' }),
    ]);
    expect(health.state).toBe('mixed');
    expect(healthLabel(health)).toBe('healthy · 120 ms');
    expect(dataPlanesLabel(health)).toBe('1 of 3 data planes healthy');
    expect(health.failures.map((failure) => failure.dataPlaneId)).toEqual(['dp-c', 'dp-a']);
  });

  it('should call a deployment every data plane found failing unhealthy', () => {
    const health = deploymentHealth([modelHealth({ healthy: false, error: 'openai: 500', latencyMs: 30_000 })]);
    expect(health.state).toBe('unhealthy');
    expect(healthLabel(health)).toBe('unhealthy · 30 s');
  });
});

describe('groupHealth', () => {
  const healthy = model({ health: [modelHealth()] });
  const unhealthy = model({ health: [modelHealth({ healthy: false, error: 'down' })] });
  const mixed = model({ health: [modelHealth(), modelHealth({ dataPlaneId: 'dp-2', healthy: false })] });
  const unchecked = model();

  it('should count the deployments by state and call the group healthy only when every one is', () => {
    const group = groupHealth([healthy, unhealthy, healthy]);
    expect(group).toEqual({ state: 'mixed', deployments: 3, healthy: 2, unhealthy: 1, mixed: 0, unchecked: 0 });
    expect(groupHealthLabel(group)).toBe('2/3 healthy');
    expect(groupHealth([healthy, healthy]).state).toBe('healthy');
    expect(groupHealth([unhealthy, unchecked]).state).toBe('unhealthy');
  });

  it('should name the deployments that are neither healthy nor plainly unhealthy', () => {
    const group = groupHealth([healthy, mixed, unchecked]);
    expect(group.state).toBe('mixed');
    expect(groupHealthLabel(group)).toBe('1/3 healthy · 1 partly healthy · 1 never checked');
  });

  it('should call a group none of whose deployments was checked "never checked"', () => {
    const group = groupHealth([unchecked, unchecked]);
    expect(group.state).toBe('unchecked');
    expect(groupHealthLabel(group)).toBe('never checked');
  });
});

describe('mergeHealth', () => {
  it("should replace a data plane's earlier result, keep the other data planes' and leave other models alone", () => {
    const other = model({ id: 'other' });
    const checked = model({
      id: 'east',
      health: [modelHealth({ modelId: 'east', dataPlaneId: 'dp-a', checkedAt: EARLY }), modelHealth({ modelId: 'east', dataPlaneId: 'dp-b', checkedAt: EARLY })],
    });
    const fresh = modelHealth({ modelId: 'east', dataPlaneId: 'dp-a', healthy: false, error: 'down', checkedAt: LATE });
    const merged = mergeHealth([checked, other], [fresh, modelHealth({ modelId: 'gone' })]);
    expect(merged[0]!.health).toEqual([fresh, checked.health[1]]);
    expect(merged[1]).toBe(other);
  });

  it('should add a data plane new to the deployment, and never put an older result over a newer one', () => {
    const known = modelHealth({ modelId: 'east', dataPlaneId: 'dp-a', checkedAt: LATE });
    const [merged] = mergeHealth(
      [model({ id: 'east', health: [known] })],
      [modelHealth({ modelId: 'east', dataPlaneId: 'dp-a', healthy: false, checkedAt: EARLY }), modelHealth({ modelId: 'east', dataPlaneId: 'dp-c' })],
    );
    expect(merged!.health.map((result) => [result.dataPlaneId, result.healthy])).toEqual([
      ['dp-a', true],
      ['dp-c', true],
    ]);
  });
});

describe('health check scopes', () => {
  it('should tell a group check from a deployment check', () => {
    expect(groupScope('gpt-4o')).toBe('group:gpt-4o');
    expect(deploymentScope('east')).toBe('deployment:east');
  });
});
