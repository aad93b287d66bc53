import { applyConfigChanges, ConfigMessage } from '@tollgate/schema';
import type { Logger } from '../logger.js';
import { compileConfig } from './compile.js';
import type { RuntimeConfig } from './runtime.js';

export type ConfigOutcome =
  | { kind: 'replaced'; version: number }
  | { kind: 'applied'; version: number }
  | { kind: 'resync'; reason: string }
  | { kind: 'rejected'; reason: string };

/**
 * Holds the current compiled config and moves it forward. A new version is compiled completely before the single
 * reference swap, so concurrent requests see either the old or the new config, never a mix. A message that fails
 * validation leaves the current config in place: serving slightly stale config beats serving none.
 */
export class ConfigStore {
  private config: RuntimeConfig | null = null;

  constructor(
    private readonly logger: Logger,
    /** Called when a delta cannot be applied; the source should send a fresh snapshot. */
    private readonly requestResync: () => void,
  ) {}

  get current(): RuntimeConfig | null {
    return this.config;
  }

  /** The loaded version, or -1 before the first snapshot. */
  get version(): number {
    return this.config?.version ?? -1;
  }

  handle(raw: unknown): ConfigOutcome {
    const parsed = ConfigMessage.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      this.logger.error('config message failed validation; keeping the current config', { version: this.version, reason });
      return { kind: 'rejected', reason };
    }
    const message = parsed.data;

    if (message.kind === 'snapshot') {
      // A snapshot is authoritative, even with a lower version (e.g. a control plane restored from backup).
      if (message.version !== message.snapshot.version) {
        this.logger.warn('snapshot message version differs from the snapshot it carries; using the snapshot', {
          messageVersion: message.version,
          snapshotVersion: message.snapshot.version,
        });
      }
      return this.swap(message.snapshot, 'replaced');
    }

    const current = this.config;
    if (current === null || message.fromVersion !== current.version) {
      const reason = current === null
        ? `delta ${message.fromVersion}->${message.version} before any snapshot`
        : `delta ${message.fromVersion}->${message.version} does not follow the current version ${current.version}`;
      this.logger.warn('config version gap; asking for a fresh snapshot', { reason });
      this.requestResync();
      return { kind: 'resync', reason };
    }
    return this.swap(applyConfigChanges(current.snapshot, message.version, message.changes), 'applied');
  }

  private swap(snapshot: Parameters<typeof compileConfig>[0], kind: 'replaced' | 'applied'): ConfigOutcome {
    const { config, warnings } = compileConfig(snapshot);
    for (const w of warnings) this.logger.warn(`config v${config.version}: ${w.message}`, { id: w.id });
    const previous = this.version;
    this.config = config;
    this.logger.info(kind === 'replaced' ? 'config snapshot loaded' : 'config delta applied', {
      version: config.version,
      previous,
      models: config.modelsByName.size,
      keys: config.keysByHash.size,
    });
    return { kind, version: config.version };
  }
}
