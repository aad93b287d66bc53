/**
 * Models as an operator thinks of them: one group per public name, its deployments under it. Several models may
 * share a name; the data planes route each request for that name to one of them. Pure functions, no Vue.
 */
import type { Model } from './api/operations';

export interface ModelGroup {
  /** The public name clients ask for. */
  name: string;
  /** In the API's order (oldest first). */
  deployments: Model[];
  /** `file` when the config file declares the group: deployments are added and removed there only. */
  managedBy: string | null;
  /** The sum of the deployments' weights (a deployment's share of weighted traffic is its weight over this). */
  totalWeight: number;
  /** The group's requests (tokens) per minute: the sum over its deployments; null when any one's is unknown. */
  rpmLimit: number | null;
  tpmLimit: number | null;
  /** Every provider among the deployments, once each, in order of appearance. */
  providers: string[];
}

/** Sums a capacity over the deployments; unknown (null) as soon as one deployment's is. */
function totalCapacity(deployments: readonly Model[], field: 'rpmLimit' | 'tpmLimit'): number | null {
  let total = 0;
  for (const deployment of deployments) {
    const value = deployment[field];
    if (value === null) return null;
    total += value;
  }
  return total;
}

/** The models grouped by name, groups in name order, each group's deployments in the order given. */
export function groupModels(models: readonly Model[]): ModelGroup[] {
  const byName = new Map<string, Model[]>();
  for (const model of models) {
    const deployments = byName.get(model.name);
    if (deployments) deployments.push(model);
    else byName.set(model.name, [model]);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, deployments]) => ({
      name,
      deployments,
      managedBy: deployments.find((deployment) => deployment.managedBy !== null)?.managedBy ?? null,
      totalWeight: deployments.reduce((sum, deployment) => sum + deployment.weight, 0),
      rpmLimit: totalCapacity(deployments, 'rpmLimit'),
      tpmLimit: totalCapacity(deployments, 'tpmLimit'),
      providers: [...new Set(deployments.map((deployment) => deployment.provider))],
    }));
}

/** The names of the model groups, sorted: what routing settings may name. */
export function modelNames(models: readonly Model[]): string[] {
  return [...new Set(models.map((model) => model.name))].sort((a, b) => a.localeCompare(b));
}

/** A deployment's share of its group's weighted traffic, as a whole percentage. */
export function weightShare(deployment: Pick<Model, 'weight'>, group: Pick<ModelGroup, 'totalWeight'>): number {
  return group.totalWeight > 0 ? Math.round((deployment.weight / group.totalWeight) * 100) : 0;
}

/**
 * How to tell a deployment from the others of its name: the config file's deployment id when it has one, else the
 * start of its id (the full id is in the row's title).
 */
export function deploymentLabel(deployment: Pick<Model, 'id' | 'deployment'>): string {
  return deployment.deployment ?? deployment.id.slice(0, 8);
}

/** "1 deployment", "3 deployments". */
export function deploymentCount(count: number): string {
  return `${count} deployment${count === 1 ? '' : 's'}`;
}
