import type { ConfigMessage, ConfigSnapshot } from '@tollgate/schema';

/**
 * Where config messages come from. The production source is the control plane's `gatewayConfig` subscription
 * (`graphql-source.ts`); tests and embedders can inject their own. A source delivers raw, unvalidated payloads:
 * validation happens in one place, the `ConfigStore`.
 */
export interface ConfigSource {
  /** Starts delivering messages. The first message after `start` or `resync` must be a snapshot. */
  start(deliver: (message: unknown) => void): void;
  /** Asks for a fresh snapshot, e.g. after a version gap. */
  resync(): void;
  close(): Promise<void>;
  /**
   * Since when the source has been cut off from its control plane (epoch ms), null while connected; absent for
   * sources that are never cut off. A data plane cut off serves its last config, and says so in its metrics.
   */
  disconnectedSince?(): number | null;
}

/** A source that serves one fixed snapshot (and serves it again on resync). */
export function staticConfigSource(snapshot: ConfigSnapshot): ConfigSource {
  let deliver: ((message: unknown) => void) | undefined;
  const message: ConfigMessage = { kind: 'snapshot', version: snapshot.version, snapshot };
  return {
    start(d) {
      deliver = d;
      d(message);
    },
    resync() {
      deliver?.(message);
    },
    async close() {
      deliver = undefined;
    },
  };
}
