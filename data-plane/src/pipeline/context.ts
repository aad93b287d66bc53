import type { ResponseAffinity } from '../routing/response-affinity.js';
import type { ResponseItemStore } from '../surfaces/openai-responses/item-store.js';
import type { Router } from '../routing/router.js';
import type { UsageEvent } from '@tollgate/schema';
import type { ConfigStore } from '../config/store.js';
import type { GovernanceOptions } from '../governance/govern.js';
import type { Logger } from '../logger.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RedisHealth } from '../redis/health.js';
import type { SecretResolver } from '../upstream/secrets.js';
import type { RequestMetrics } from '../usage/request-metrics.js';

/** What route handlers share; built once by `startDataPlane`. */
export interface PipelineDeps {
  readonly config: ConfigStore;
  readonly providers: ProviderRegistry;
  /** Resolves the models' credential references (`env:`/`file:`). */
  readonly secrets: SecretResolver;
  readonly emitUsage: (event: UsageEvent) => void;
  readonly maxBodyBytes: number;
  readonly dataPlaneId: string;
  readonly uwsImplementation: string;
  readonly redis: RedisHealth | null;
  /** Picks deployments, keeps their health and latency (routing/router.ts). */
  readonly router: Router;
  /** Which deployment stored which response (Responses API follow-ups go back to it). */
  readonly affinity: ResponseAffinity;
  /** The items of translated Responses answers, for later requests' `item_reference`s. */
  readonly responseItems: ResponseItemStore;
  /** Rate limits, budgets and request policy. */
  readonly governance: GovernanceOptions;
  /** Requests, tokens, spend and latencies per model, counted from the usage events (metrics). */
  readonly requestMetrics?: RequestMetrics;
  /** The bearer token `GET /metrics` asks for; none: open. */
  readonly metricsToken?: string;
  /** Usage events not yet acknowledged by the control plane (metrics). */
  readonly usagePending: () => number;
  /** Since when the config source has been cut off from the control plane (epoch ms), null while connected (metrics). */
  readonly controlPlaneDisconnectedSince?: () => number | null;
  /** Set once the data plane is shutting down: readiness then says so, so load balancers stop sending it requests. */
  readonly lifecycle?: Lifecycle;
  readonly logger: Logger;
}

/** Where a data plane is in its life, shared by its parts. */
export interface Lifecycle {
  /** Shutting down: no new connections; responses close their connections; readiness answers 503. */
  draining: boolean;
  /** The grace period is over and the remaining requests are being cut. */
  cutting: boolean;
}
