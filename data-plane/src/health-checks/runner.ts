import { HealthCheckMessage, type ModelHealthResult } from '@tollgate/schema';
import { deploymentsById, type RuntimeConfig, type RuntimeModel } from '../config/runtime.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { SecretResolver } from '../upstream/secrets.js';
import { checkDeployment } from './check.js';
import type { ReportHealth } from './reporter.js';

export interface HealthChecksOptions {
  /** The config in force (null before the first snapshot). */
  readonly config: () => RuntimeConfig | null;
  readonly providers: ProviderRegistry;
  readonly secrets: SecretResolver;
  readonly dataPlaneId: string;
  readonly report: ReportHealth;
  readonly logger: Logger;
  /** Deployments checked at the same time; default 8. */
  readonly concurrency?: number;
}

/**
 * Runs health checks on this data plane: on request from the control plane (`healthCheck` messages on the config
 * stream) and in periodic rounds (`periodic.ts`), and reports every result with `reportModelHealth`. Results are only
 * reported, never fed to the router: routing decisions come from real traffic, and one ping says little about a
 * deployment's capacity.
 */
export class HealthChecks {
  /** Requests being answered: a request is never run twice at once, however often it is delivered. */
  private readonly answering = new Set<string>();
  private readonly runs = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();
  private readonly concurrency: number;

  constructor(private readonly options: HealthChecksOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** A `healthCheck` message from the config stream: checks in the background, then reports under its request id. */
  request(raw: unknown): void {
    const parsed = HealthCheckMessage.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.warn('ignored a malformed health-check request', { error: parsed.error.issues[0]?.message });
      return;
    }
    const { requestId, modelIds } = parsed.data;
    if (this.answering.has(requestId) || this.stopping.signal.aborted) return;
    this.answering.add(requestId);
    void this.run(modelIds, requestId).finally(() => this.answering.delete(requestId));
  }

  /**
   * Checks deployments (`modelIds`, or every deployment of the config for null) and reports the results under
   * `requestId` (null: a periodic round). An id the config does not hold is reported unhealthy, saying so: a
   * deployment made a moment ago reaches this data plane with the next config update. Resolves the results.
   */
  run(modelIds: readonly string[] | null, requestId: string | null): Promise<ModelHealthResult[]> {
    const running = this.checkAndReport(modelIds, requestId);
    this.runs.add(running);
    const done = () => this.runs.delete(running);
    running.then(done, done);
    return running;
  }

  /** Aborts running checks (their results are not reported) and waits for them to end. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.runs]);
  }

  private async checkAndReport(modelIds: readonly string[] | null, requestId: string | null): Promise<ModelHealthResult[]> {
    const config = this.options.config();
    const deployments = deploymentsById(config);
    const targets: Array<RuntimeModel | string> = modelIds === null ? [...deployments.values()] : modelIds.map((id) => deployments.get(id) ?? id);
    const deps = { providers: this.options.providers, secrets: this.options.secrets, dataPlaneId: this.options.dataPlaneId, signal: this.stopping.signal };
    const results = await mapConcurrently(targets, this.concurrency, (target) =>
      typeof target === 'string' ? Promise.resolve(this.unknown(target, config)) : checkDeployment(target, deps),
    );
    if (this.stopping.signal.aborted || results.length === 0) return results;
    const unhealthy = results.filter((r) => !r.healthy).map((r) => r.deploymentId);
    this.options.logger.info('health checks done', { requestId, checked: results.length, unhealthy });
    await this.options.report(requestId, results);
    return results;
  }

  private unknown(deploymentId: string, config: RuntimeConfig | null): ModelHealthResult {
    return {
      deploymentId,
      healthy: false,
      latencyMs: 0,
      mode: 'chat',
      error: config === null
        ? 'This data plane has no config yet.'
        : `This deployment is not in this data plane's config (version ${config.version}); it arrives with the next config update.`,
      checkedAt: new Date().toISOString(),
      dataPlaneId: this.options.dataPlaneId,
    };
  }
}

/** `work` over `items` with at most `limit` running at once; results in the order of `items`. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
