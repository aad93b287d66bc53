import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { ConfigLog } from './config-log.js';
import { ConfigPublisher, type ConfigPublisherOptions } from './config-publisher.js';
import { ConfigSource } from './config-source.js';
import { KeyService } from './keys.js';
import { ModelService } from './models.js';
import { SpendService } from './spend.js';
import { TeamService } from './teams.js';
import { UsageIngest, type SpendUpdate } from './usage-ingest.js';

export interface Services {
  configLog: ConfigLog;
  configPublisher: ConfigPublisher;
  teams: TeamService;
  keys: KeyService;
  models: ModelService;
  spend: SpendService;
  usage: UsageIngest;
}

export interface ServiceDeps {
  orm: Orm;
  logger: Logger;
  /** Receives live spend after each batch that wrote new ledger rows. */
  onSpend: (update: SpendUpdate) => void;
  publisher?: ConfigPublisherOptions;
}

/** Wires the services of one control plane. Nothing here is global, so several can run in one process (tests). */
export function createServices({ orm, logger, onSpend, publisher }: ServiceDeps): Services {
  // The publisher is created after the log that notifies it; the closure breaks the cycle.
  let configPublisher: ConfigPublisher | undefined;
  const configLog = new ConfigLog(orm, () => configPublisher?.notify());
  configPublisher = new ConfigPublisher(new ConfigSource(orm, configLog, logger), logger, publisher);
  return {
    configLog,
    configPublisher,
    teams: new TeamService(orm, configLog),
    keys: new KeyService(orm, configLog),
    models: new ModelService(orm, configLog),
    spend: new SpendService(orm),
    usage: new UsageIngest(orm, onSpend, logger),
  };
}

export type { ConfigUpdate } from './config-publisher.js';
export type { SpendUpdate } from './usage-ingest.js';
