/**
 * Deployment health as the Models page shows it: the latest active check by each data plane (`Model.health`), summed
 * up per deployment and per model group, and fresh check results merged into the models. Pure functions, no Vue.
 *
 * Each data plane resolves credentials and reaches providers on its own, so data planes may disagree about a
 * deployment: the most recent result leads, and a disagreement is said rather than averaged away.
 */
import type { Model, ModelHealth } from './api/operations';
import { formatMs } from './format';

/**
 * healthy: every data plane that checked the deployment says so; unhealthy: none does; mixed: they disagree;
 * unchecked: none has checked it.
 */
export type HealthState = 'healthy' | 'unhealthy' | 'mixed' | 'unchecked';

export interface DeploymentHealth {
  state: HealthState;
  /** The most recent result across data planes; null when none has checked the deployment. */
  latest: ModelHealth | null;
  /** Data planes whose latest result says healthy, out of the data planes that checked. */
  healthyDataPlanes: number;
  dataPlanes: number;
  /** The unhealthy results, most recent first: their errors are what to read. */
  failures: ModelHealth[];
}

export interface GroupHealth {
  state: HealthState;
  /** Deployments in the group, and how many of them are in each state. */
  deployments: number;
  healthy: number;
  unhealthy: number;
  mixed: number;
  unchecked: number;
}

/** Where a check was asked from, so its busy state and error show there: a model group's row or a deployment's. */
export type HealthCheckScope = `group:${string}` | `deployment:${string}`;

export function groupScope(name: string): HealthCheckScope {
  return `group:${name}`;
}

export function deploymentScope(id: string): HealthCheckScope {
  return `deployment:${id}`;
}

/** Later first; a time that does not parse counts as oldest. */
function byCheckedAtDescending(a: ModelHealth, b: ModelHealth): number {
  return (Date.parse(b.checkedAt) || 0) - (Date.parse(a.checkedAt) || 0);
}

/** One deployment's results (one per data plane) summed up. */
export function deploymentHealth(results: readonly ModelHealth[]): DeploymentHealth {
  const sorted = [...results].sort(byCheckedAtDescending);
  const healthyDataPlanes = sorted.filter((result) => result.healthy).length;
  const dataPlanes = sorted.length;
  const state: HealthState =
    dataPlanes === 0 ? 'unchecked' : healthyDataPlanes === dataPlanes ? 'healthy' : healthyDataPlanes === 0 ? 'unhealthy' : 'mixed';
  return { state, latest: sorted[0] ?? null, healthyDataPlanes, dataPlanes, failures: sorted.filter((result) => !result.healthy) };
}

/** A model group's deployments counted by state; the group is healthy only when every deployment is. */
export function groupHealth(deployments: readonly Pick<Model, 'health'>[]): GroupHealth {
  const counts = { healthy: 0, unhealthy: 0, mixed: 0, unchecked: 0 };
  for (const deployment of deployments) counts[deploymentHealth(deployment.health).state]++;
  const total = deployments.length;
  const state: HealthState =
    counts.unchecked === total
      ? 'unchecked'
      : counts.healthy === total
        ? 'healthy'
        : counts.unhealthy + counts.unchecked === total
          ? 'unhealthy'
          : 'mixed';
  return { state, deployments: total, ...counts };
}

/** The deployment's badge: the most recent result, "healthy · 120 ms", or "never checked". */
export function healthLabel(health: Pick<DeploymentHealth, 'latest'>): string {
  const { latest } = health;
  if (latest === null) return 'never checked';
  return `${latest.healthy ? 'healthy' : 'unhealthy'} · ${formatMs(latest.latencyMs)}`;
}

/** "2 of 3 data planes healthy" when the data planes disagree; null when they agree. */
export function dataPlanesLabel(health: DeploymentHealth): string | null {
  if (health.state !== 'mixed') return null;
  return `${health.healthyDataPlanes} of ${health.dataPlanes} data planes healthy`;
}

/** The group row's summary: "2/3 healthy", what the rest are when not plainly unhealthy, or "never checked". */
export function groupHealthLabel(health: GroupHealth): string {
  if (health.state === 'unchecked') return 'never checked';
  const parts = [`${health.healthy}/${health.deployments} healthy`];
  if (health.mixed > 0) parts.push(`${health.mixed} partly healthy`);
  if (health.unchecked > 0) parts.push(`${health.unchecked} never checked`);
  return parts.join(' · ');
}

/**
 * The models with check results merged in: a result replaces the same data plane's earlier one for its deployment
 * (never a newer one) and the other data planes' results stay. Models without new results keep their identity.
 */
export function mergeHealth(models: readonly Model[], results: readonly ModelHealth[]): Model[] {
  const byModel = new Map<string, ModelHealth[]>();
  for (const result of results) {
    const list = byModel.get(result.modelId);
    if (list) list.push(result);
    else byModel.set(result.modelId, [result]);
  }
  return models.map((model) => {
    const fresh = byModel.get(model.id);
    if (!fresh) return model;
    const health = [...model.health];
    for (const result of fresh) {
      const index = health.findIndex((known) => known.dataPlaneId === result.dataPlaneId);
      if (index === -1) health.push(result);
      else if (byCheckedAtDescending(result, health[index]!) <= 0) health[index] = result;
    }
    return { ...model, health };
  });
}
