import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { errorMessage, type Logger } from '../logger.js';
import type { AdminWriter } from '../services/audit.js';
import { ApplyError, applyConfig, type KindCount } from './apply.js';
import type { ConfigFormat, ResolvedConfig } from './desired.js';
import { parseConfigText } from './parse.js';
import { describeProblems, type ConfigProblem } from './problems.js';
import { resolveSecrets } from './resolve.js';
import { watchFile, type FileWatch, type FileWatchOptions } from './watch.js';

/** What the `configFile` query shows: the file, the last state applied from it, and what is wrong with it now. */
export interface ConfigFileStatus {
  path: string;
  /** Of the file as last read. */
  format: ConfigFormat | null;
  /** When the file's content was last applied (null: never, on this control plane). */
  loadedAt: Date | null;
  /** sha-256 of the file content applied at `loadedAt`. */
  contentHash: string | null;
  /** When the file was last read. */
  checkedAt: Date | null;
  /** Per kind, what the last apply did. */
  applied: KindCount[];
  /** Why the file as it is now is not applied (empty: it is). The state from `loadedAt` stays meanwhile. */
  errors: ConfigProblem[];
  /** Entries the last apply skipped, or removals it held back, because of objects made through the API. */
  conflicts: ConfigProblem[];
  /** Things the file says that Tollgate ignores (LiteLLM settings it does not have, …). */
  warnings: ConfigProblem[];
}

export interface ConfigFileLoaderOptions {
  path: string;
  logger: Logger;
  /** Where `env:` references and LiteLLM's `os.environ/` values are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Hot reload; `false` reads the file once, at start. */
  watch?: false | FileWatchOptions;
}

/** The file read, valid, and its secrets resolved. */
interface GoodRead {
  ok: true;
  contentHash: string;
  format: ConfigFormat;
  config: ResolvedConfig;
  warnings: ConfigProblem[];
  masterKeyPath: string | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The declarative config file of one control plane: reads it (YAML, tollgate.yaml or LiteLLM's config.yaml),
 * validates it, reads the secrets it refers to, and applies it to the database (`apply.ts`); then watches it and
 * applies each change, and applies it again on each check while conflicts are outstanding (until the API objects in
 * the way are gone). A file that fails any step is not applied at all: the last good state stays, and the
 * problems are logged once and shown by `status()`. Several replicas watching the same file converge: every apply
 * runs under the config lock and writes nothing when the database already matches.
 */
export class ConfigFileLoader {
  readonly path: string;
  private readonly env: NodeJS.ProcessEnv;
  private writer: AdminWriter | null = null;
  private onMasterKey: (hash: string | null) => void = () => undefined;
  private watcher: FileWatch | null = null;
  private closed = false;
  /** One check at a time; a change noticed during one runs another after it. */
  private running: Promise<void> | null = null;
  private rerun = false;
  /** Fingerprint of the resolved config last applied (content and the secrets it refers to). */
  private appliedFingerprint: string | null = null;
  /** The last problems logged, so a file that stays broken is not logged again on every check. */
  private loggedProblems: string | null = null;
  private loggedWatchError: string | null = null;
  private masterKeyHash: string | null = null;
  private state: ConfigFileStatus;

  constructor(private readonly options: ConfigFileLoaderOptions) {
    this.path = resolve(options.path);
    this.env = options.env ?? process.env;
    this.state = { path: this.path, format: null, loadedAt: null, contentHash: null, checkedAt: null, applied: [], errors: [], conflicts: [], warnings: [] };
  }

  status(): ConfigFileStatus {
    return structuredClone(this.state);
  }

  /**
   * Reads and resolves the file without touching the database, before the control plane sets up its credentials:
   * the sha-256 of the master key the file sets, or null (none, or the file cannot be used now).
   */
  async masterKeyFromFile(): Promise<string | null> {
    const read = await this.read();
    if (!read.ok) {
      this.fail(read.contentHash, read.format, read.errors, read.warnings);
      return null;
    }
    this.masterKeyHash = read.config.masterKeyHash;
    return this.masterKeyHash;
  }

  /**
   * Applies the file through `writer` (SYSTEM, audited with the file's path) and keeps it applied: watches it and
   * applies each change. `onMasterKey` hears when the master key the file sets changes (null: it no longer sets one).
   */
  async start(writer: AdminWriter, onMasterKey: (hash: string | null) => void): Promise<void> {
    this.writer = writer;
    this.onMasterKey = onMasterKey;
    await this.check();
    if (this.options.watch !== false && !this.closed) {
      this.watcher = watchFile(this.path, () => void this.check(), {
        ...this.options.watch,
        onError: (err) => {
          const message = errorMessage(err);
          if (message === this.loggedWatchError) return;
          this.loggedWatchError = message;
          this.options.logger.warn('cannot watch the config file directory; checking it periodically', { path: this.path, error: message });
        },
      });
    }
  }

  /** Reads the file and applies it if it changed; serialised, and never throws (problems go to the status). */
  check(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.rerun = false;
          try {
            await this.checkOnce();
          } catch (err) {
            // Checks run from timers and file events: nothing may escape as an unhandled rejection.
            this.options.logger.error('config file check failed', { path: this.path, error: errorMessage(err) });
          }
        } while (this.rerun && !this.closed);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
    await this.running;
  }

  private async read(): Promise<GoodRead | { ok: false; contentHash: string | null; format: ConfigFormat | null; errors: ConfigProblem[]; warnings: ConfigProblem[] }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, contentHash: null, format: null, errors: [{ path: '', message: `cannot read ${this.path}${code ? ` (${code})` : ''}` }], warnings: [] };
    }
    const contentHash = sha256(text);
    const parsed = parseConfigText(text, this.env);
    if (!parsed.ok) return { ok: false, contentHash, format: parsed.format, errors: parsed.errors, warnings: parsed.warnings };
    const resolved = await resolveSecrets(parsed.desired, this.env);
    if (!resolved.ok) return { ok: false, contentHash, format: parsed.format, errors: resolved.errors, warnings: parsed.warnings };
    return { ok: true, contentHash, format: parsed.format!, config: resolved.config, warnings: parsed.warnings, masterKeyPath: parsed.desired.masterKey?.path ?? null };
  }

  private async checkOnce(): Promise<void> {
    if (this.closed || !this.writer) return;
    const { logger } = this.options;
    const read = await this.read();
    this.state.checkedAt = new Date();
    if (!read.ok) return this.fail(read.contentHash, read.format, read.errors, read.warnings);

    // Secrets are part of the fingerprint (as hashes), so a `file:` secret that changes is applied even when the
    // config file itself did not change. While conflicts are outstanding the same config is applied again on every
    // check: they clear through the API (the API key in the way deleted), which the file does not see.
    const fingerprint = sha256(JSON.stringify(read.config));
    const retry = fingerprint === this.appliedFingerprint;
    if (retry && this.state.conflicts.length === 0) return this.keep(read);

    let report;
    try {
      report = await applyConfig(this.writer, read.config, { path: this.path, fingerprint });
    } catch (err) {
      const problems = err instanceof ApplyError ? err.problems : [{ path: '', message: `could not apply the file: ${errorMessage(err)}` }];
      return this.fail(read.contentHash, read.format, problems, read.warnings);
    }
    // A retry that found things as they were is not news: nothing was written, nothing to log.
    if (retry && report.changes === 0 && isDeepStrictEqual(report.conflicts, this.state.conflicts)) return this.keep(read);
    this.appliedFingerprint = fingerprint;
    this.loggedProblems = null;
    this.state = {
      ...this.state,
      format: read.format,
      loadedAt: new Date(),
      contentHash: read.contentHash,
      applied: report.counts,
      errors: [],
      conflicts: report.conflicts,
      warnings: read.warnings,
    };
    const summary = Object.fromEntries(
      report.counts.filter((c) => c.created + c.updated + c.deleted + c.conflicts > 0).map((c) => [c.kind, { created: c.created, updated: c.updated, deleted: c.deleted, conflicts: c.conflicts }]),
    );
    logger.info(report.changes > 0 ? 'config file applied' : 'config file applied: the database already matched it', { path: this.path, format: read.format, changes: summary });
    for (const conflict of report.conflicts) logger.warn('config file conflict', { path: this.path, at: conflict.path, problem: conflict.message });
    for (const warning of read.warnings) logger.warn('config file warning', { path: this.path, at: warning.path, problem: warning.message });

    this.syncMasterKey(read.config.masterKeyHash, read.masterKeyPath);
  }

  /** The file still resolves to the config applied last: a broken version in between is over. */
  private keep(read: GoodRead): void {
    if (this.state.errors.length > 0 && read.config.masterKeyHash === this.masterKeyHash) {
      this.options.logger.info('config file is valid again and matches what is applied', { path: this.path });
    }
    Object.assign(this.state, { format: read.format, errors: [], warnings: read.warnings });
    this.syncMasterKey(read.config.masterKeyHash, read.masterKeyPath);
    if (this.state.errors.length === 0) this.loggedProblems = null;
  }

  /** Hands a changed master key to the credentials; one that cannot be used (the data-plane token's) is an error. */
  private syncMasterKey(hash: string | null, path: string | null): void {
    if (hash === this.masterKeyHash) return;
    try {
      this.onMasterKey(hash);
      this.masterKeyHash = hash;
      this.options.logger.info(hash ? 'master key set from the config file' : 'the config file no longer sets the master key', { path: this.path });
    } catch (err) {
      // The previous master key stays; the problem stays visible until the file changes it.
      const message = `cannot be used as the master key: ${errorMessage(err)}`;
      this.state.errors = [{ path: path ?? '', message }];
      if (this.loggedProblems !== message) this.options.logger.error('config file master key refused; the previous one stays', { path: this.path, error: message });
      this.loggedProblems = message;
    }
  }

  private fail(contentHash: string | null, format: ConfigFormat | null, errors: ConfigProblem[], warnings: ConfigProblem[]): void {
    Object.assign(this.state, { format, errors, warnings, checkedAt: new Date() });
    const signature = JSON.stringify([contentHash, errors]);
    if (signature === this.loggedProblems) return;
    this.loggedProblems = signature;
    this.options.logger.error(
      this.state.loadedAt ? 'config file not applied; the state it last applied stays' : 'config file not applied',
      { path: this.path, problems: describeProblems(errors) },
    );
  }
}
