import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { configChangeRetention } from './config-change-retention.js';
import type { Job } from './job.js';
import { JobRunner, type JobRunnerOptions } from './runner.js';

/** Every scheduled job of the control plane. Adding one is one line here. */
export function controlPlaneJobs(services: Services): Job[] {
  return [
    configChangeRetention(services.configLog),
  ];
}

/** A runner with every control-plane job registered; start() it once the services are up. */
export function createJobRunner(orm: Orm, logger: Logger, services: Services, options?: JobRunnerOptions): JobRunner {
  const runner = new JobRunner(orm, logger, options);
  for (const job of controlPlaneJobs(services)) runner.register(job);
  return runner;
}

export type { Job, JobContext } from './job.js';
export { JobRunner, type JobAttempt, type JobRunnerOptions } from './runner.js';
