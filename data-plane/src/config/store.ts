import { performance } from 'node:perf_hooks';
import { parseConfigMessageLean, type LeanConfigSnapshot } from '@tollgate/schema';
import type { Logger } from '../logger.js';
import { applyDelta, SnapshotBuilder, type Compiled } from './compile.js';
import type { RuntimeConfig } from './runtime.js';

export type ConfigOutcome =
  | { kind: 'replaced'; version: number }
  | { kind: 'applied'; version: number }
  /** A snapshot part was taken; the snapshot applies with its last part. */
  | { kind: 'partial'; version: number; part: number }
  | { kind: 'resync'; reason: string }
  | { kind: 'rejected'; reason: string };

/** A snapshot arriving in parts: what has been taken so far. */
interface Assembly {
  version: number;
  nextPart: number;
  builder: SnapshotBuilder;
  startedAt: number;
  /** Time spent validating and compiling its parts so far. */
  busyMs: number;
}

/**
 * Holds the current compiled config and moves it forward. A new version is compiled completely before the single
 * reference swap, so concurrent requests see either the old or the new config, never a mix. A message that fails
 * validation leaves the current config in place: serving slightly stale config beats serving none. So does a
 * snapshot arriving in parts, until its last part is in.
 */
export class ConfigStore {
  private config: RuntimeConfig | null = null;
  /** The snapshot arriving in parts; 'spoiled' after a part failed validation, until the next part 0. */
  private assembly: Assembly | 'spoiled' | null = null;

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
    const started = performance.now();
    // Validated exactly as ConfigStreamMessage would, with snapshot keys checked but not copied (see the key index).
    const parsed = parseConfigMessageLean(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      // A bad part spoils its snapshot: the rest of it is ignored, as a bad snapshot message is.
      if (this.assembly !== null) this.assembly = 'spoiled';
      this.logger.error('config message failed validation; keeping the current config', { version: this.version, reason });
      return { kind: 'rejected', reason };
    }
    const message = parsed.data;

    if (message.kind === 'snapshot') {
      this.assembly = null;
      this.checkVersions(message.version, message.snapshot);
      const builder = new SnapshotBuilder(message.snapshot.version, message.snapshot.generatedAt);
      builder.add(message.snapshot);
      // A snapshot is authoritative, even with a lower version (e.g. a control plane restored from backup).
      return this.swap(builder.finish(), 'replaced', { applyMs: elapsed(started) });
    }

    if (message.kind === 'snapshotPart') {
      if (message.part === 0) {
        this.checkVersions(message.version, message.snapshot);
        this.assembly = {
          version: message.version,
          nextPart: 0,
          builder: new SnapshotBuilder(message.snapshot.version, message.snapshot.generatedAt),
          startedAt: started,
          busyMs: 0,
        };
      }
      const assembly = this.assembly;
      if (assembly === 'spoiled') return { kind: 'rejected', reason: `snapshot v${message.version} had an invalid part` };
      if (assembly === null || assembly.version !== message.version || assembly.nextPart !== message.part) {
        // A part went missing (or this is the rest of a snapshot whose start was refused): this snapshot cannot be
        // completed; only a fresh one can.
        const expected = assembly ? `part ${assembly.nextPart} of v${assembly.version}` : 'part 0';
        const reason = `snapshot part ${message.part} of v${message.version} where ${expected} was expected`;
        this.assembly = null;
        this.logger.warn('config snapshot part out of sequence; asking for a fresh snapshot', { reason });
        this.requestResync();
        return { kind: 'resync', reason };
      }
      assembly.builder.add(message.snapshot);
      assembly.nextPart += 1;
      assembly.busyMs += elapsed(started);
      if (!message.last) return { kind: 'partial', version: message.version, part: message.part };
      this.assembly = null;
      const finishing = performance.now();
      const compiled = assembly.builder.finish();
      return this.swap(compiled, 'replaced', {
        parts: assembly.nextPart,
        receiveMs: elapsed(assembly.startedAt),
        applyMs: round(assembly.busyMs + elapsed(finishing)),
      });
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
    return this.swap(applyDelta(current, message.version, message.changes), 'applied', { changes: message.changes.length, applyMs: elapsed(started) });
  }

  private checkVersions(messageVersion: number, snapshot: LeanConfigSnapshot): void {
    if (messageVersion !== snapshot.version) {
      this.logger.warn('snapshot message version differs from the snapshot it carries; using the snapshot', {
        messageVersion,
        snapshotVersion: snapshot.version,
      });
    }
  }

  private swap({ config, warnings }: Compiled, kind: 'replaced' | 'applied', timing: Record<string, number>): ConfigOutcome {
    for (const w of warnings) this.logger.warn(`config v${config.version}: ${w.message}`, { id: w.id });
    const previous = this.version;
    this.config = config;
    this.logger.info(kind === 'replaced' ? 'config snapshot loaded' : 'config delta applied', {
      version: config.version,
      previous,
      models: config.modelsByName.size,
      keys: config.keysByHash.size,
      ...timing,
    });
    return { kind, version: config.version };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const elapsed = (since: number) => round(performance.now() - since);
