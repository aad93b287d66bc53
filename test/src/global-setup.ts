import type { TestProject } from 'vitest/node';
import { canConnect, DEFAULT_ADMIN_URL, startEmbeddedPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * Finds a PostgreSQL to test against: TOLLGATE_TEST_PG_URL, else the local server on 5432, else a throwaway
 * embedded PostgreSQL (so the README's test command also passes on a machine with no PostgreSQL installed).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.TOLLGATE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  if (await canConnect(configured)) {
    project.provide('pgAdminUrl', configured);
    process.env.TOLLGATE_TEST_PG_URL = configured;
    return async () => undefined;
  }
  if (process.env.TOLLGATE_TEST_PG_URL) {
    throw new Error(`TOLLGATE_TEST_PG_URL=${configured} is not reachable`);
  }
  const embedded = await startEmbeddedPostgres();
  project.provide('pgAdminUrl', embedded.url);
  process.env.TOLLGATE_TEST_PG_URL = embedded.url;
  return embedded.stop;
}
