import type { ModelHealthResult } from '@tollgate/schema';
import type { Agent } from 'undici';
import type { Logger } from '../logger.js';
import { undici } from '../upstream/undici.js';

export const REPORT_MODEL_HEALTH_MUTATION =
  'mutation($requestId: ID, $results: [ModelHealthInput!]!) { reportModelHealth(requestId: $requestId, results: $results) }';

export interface HealthReporterOptions {
  /** The control plane's GraphQL endpoint. */
  url: string;
  dataPlaneToken: string;
  logger: Logger;
  /** Attempts per report; default 3. */
  attempts?: number;
  /** Wait before the second attempt, doubled per attempt; default 500 ms. */
  retryMs?: number;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
}

/** Sends health-check results with `reportModelHealth`, as the usage shipper sends usage: the data-plane credential. */
export type ReportHealth = (requestId: string | null, results: readonly ModelHealthResult[]) => Promise<boolean>;

/**
 * Reports results to the control plane, a few attempts with backoff, then gives up (logged): results are a moment's
 * picture, not worth a spool, and an admin waiting for them has a deadline of their own. Resolves whether the report
 * was stored. Results carry no secret (see `checkDeployment`), so they may be logged.
 */
export function healthReporter(options: HealthReporterOptions): { report: ReportHealth; close(): Promise<void> } {
  const attempts = options.attempts ?? 3;
  const retryMs = options.retryMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Its own small pool: reports are rare and must not wait behind a usage batch.
  const agent: Agent = new undici.Agent({ connections: 2, keepAliveTimeout: 10_000 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.dataPlaneToken}` };

  const send = async (requestId: string | null, results: readonly ModelHealthResult[]): Promise<void> => {
    const body = JSON.stringify({ query: REPORT_MODEL_HEALTH_MUTATION, variables: { requestId, results } });
    const res = await undici.request(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), dispatcher: agent });
    const text = await res.body.text();
    let payload: { data?: { reportModelHealth?: unknown } | null; errors?: Array<{ message?: string }> };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    }
    if (payload.errors?.length) throw new Error(`reportModelHealth: ${payload.errors.map((e) => e.message).join('; ')}`);
    if (typeof payload.data?.reportModelHealth !== 'number') throw new Error(`HTTP ${res.statusCode}: unexpected reportModelHealth answer`);
  };

  return {
    async report(requestId, results) {
      for (let attempt = 1; ; attempt++) {
        try {
          await send(requestId, results);
          return true;
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          if (attempt >= attempts) {
            options.logger.warn('could not report health checks to the control plane; giving up', { requestId, results: results.length, attempts, error });
            return false;
          }
          await new Promise((resolve) => setTimeout(resolve, retryMs * 2 ** (attempt - 1)));
        }
      }
    },
    close: () => agent.close().catch(() => undefined),
  };
}
