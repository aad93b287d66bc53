import type { ConfigLog } from '../services/config-log.js';
import type { Job } from './job.js';

export interface ConfigChangeRetentionOptions {
  /** Rows younger than this are kept. */
  olderThanMs?: number;
  /** The newest rows kept whatever their age: the publisher's default window, so subscribers keep getting deltas. */
  keepRows?: number;
  intervalMs?: number;
}

/**
 * `config_change` gains a row per config mutation forever; past the publisher's window the rows only serve a
 * data plane that has been away for a long time, and that one gets a snapshot anyway. Deletes rows older than a
 * day that are not among the newest thousand, recording how far it went so no publisher builds a delta across
 * the hole (`ConfigLog.purge`).
 */
export function configChangeRetention(configLog: ConfigLog, options: ConfigChangeRetentionOptions = {}): Job {
  const olderThanMs = options.olderThanMs ?? 24 * 60 * 60_000;
  const keepRows = options.keepRows ?? 1000;
  return {
    name: 'config-change-retention',
    intervalMs: options.intervalMs ?? 60 * 60_000,
    async run({ em, logger }) {
      const deleted = await configLog.purge(em, { olderThanMs, keepRows });
      if (deleted > 0) logger.info('deleted old config change rows', { deleted });
    },
  };
}
