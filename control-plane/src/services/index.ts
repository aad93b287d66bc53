import { ConfigFileService } from '../declarative/service.js';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { AdminWriter } from './audit.js';
import { AuditLogService } from './audit-log.js';
import { BudgetAlertService } from './budget-alerts.js';
import { CatalogService } from './catalog.js';
import { ConfigLog } from './config-log.js';
import { ConfigPublisher, type ConfigPublisherOptions } from './config-publisher.js';
import { ConfigSource } from './config-source.js';
import { KeyService } from './keys.js';
import { LiveSpend, readTotals, type LiveSpendOptions } from './live-spend.js';
import { ModelHealthService, type ModelHealthOptions } from './model-health.js';
import { ModelService } from './models.js';
import { OrganizationService } from './organizations.js';
import { RouterSettingsService } from './router-settings.js';
import { SpendService } from './spend.js';
import { TeamService } from './teams.js';
import { UsageIngest } from './usage-ingest.js';
import { UserService } from './users.js';

export interface Services {
  configLog: ConfigLog;
  configPublisher: ConfigPublisher;
  /** Admin writes in one transaction with their config changes and audit entries (services, jobs, the config file). */
  writer: AdminWriter;
  organizations: OrganizationService;
  users: UserService;
  teams: TeamService;
  keys: KeyService;
  models: ModelService;
  /** Active health checks of deployments, run by the data planes; start.ts feeds it the notices of every replica. */
  modelHealth: ModelHealthService;
  /** The gateway-wide router settings. */
  routerSettings: RouterSettingsService;
  spend: SpendService;
  usage: UsageIngest;
  /** Live spend subscriptions; start.ts feeds it the spend notifications of every replica. */
  liveSpend: LiveSpend;
  budgetAlerts: BudgetAlertService;
  audit: AuditLogService;
  /** The declarative config file's status; start.ts attaches the loader when there is a file. */
  configFile: ConfigFileService;
  catalog: CatalogService;
}

export interface ServiceDeps {
  orm: Orm;
  logger: Logger;
  liveSpend?: LiveSpendOptions;
  publisher?: ConfigPublisherOptions;
  modelHealth?: ModelHealthOptions;
}

/** Wires the services of one control plane. Nothing here is global, so several can run in one process (tests). */
export function createServices({ orm, logger, liveSpend, publisher, modelHealth }: ServiceDeps): Services {
  // The publisher is created after the log that notifies it; the closure breaks the cycle.
  let configPublisher: ConfigPublisher | undefined;
  const configLog = new ConfigLog(orm, () => configPublisher?.notify());
  const writer = new AdminWriter(configLog);
  configPublisher = new ConfigPublisher(new ConfigSource(orm, configLog, logger), logger, publisher);
  return {
    configLog,
    configPublisher,
    writer,
    organizations: new OrganizationService(orm, writer),
    users: new UserService(orm, writer),
    teams: new TeamService(orm, writer),
    keys: new KeyService(orm, writer),
    models: new ModelService(orm, writer),
    modelHealth: new ModelHealthService(orm, writer, configPublisher, logger, modelHealth),
    routerSettings: new RouterSettingsService(orm, writer),
    spend: new SpendService(orm),
    usage: new UsageIngest(orm, logger),
    liveSpend: new LiveSpend(readTotals(orm), logger, liveSpend),
    budgetAlerts: new BudgetAlertService(orm),
    audit: new AuditLogService(orm),
    configFile: new ConfigFileService(),
    catalog: new CatalogService(orm, writer),
  };
}

export type { ConfigUpdate } from './config-publisher.js';
export type { SpendUpdate } from './live-spend.js';
