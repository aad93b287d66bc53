/**
 * `node control-plane/dist/main.js`: the control plane as its own process, configured by environment variables
 * (docs/api-contract.md). Prints where it listens and, on a first start without TOLLGATE_MASTER_KEY, the
 * generated master key: the only time it is ever shown.
 */
import { logFormatFromEnv } from '@tollgate/schema';
import { optionsFromEnv } from './config/env.js';
import { consoleLogger, errorMessage } from './logger.js';
import { startControlPlane } from './start.js';

async function main(): Promise<void> {
  const controlPlane = await startControlPlane({ ...optionsFromEnv(process.env), logger: consoleLogger });
  if (logFormatFromEnv(process.env) === 'json') {
    consoleLogger.info('control plane listening', { url: controlPlane.url, graphql: controlPlane.graphqlUrl, dashboard: `${controlPlane.url}/ui` });
    if (controlPlane.generatedMasterKey) consoleLogger.info('master key generated (shown once)', { masterKey: controlPlane.generatedMasterKey });
  } else {
    console.log(`Tollgate control plane listening on ${controlPlane.url}`);
    console.log(`  GraphQL    ${controlPlane.graphqlUrl}`);
    console.log(`  Dashboard  ${controlPlane.url}/ui`);
    if (controlPlane.generatedMasterKey) {
      console.log(`Master key (shown once): ${controlPlane.generatedMasterKey}`);
    }
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    consoleLogger.info(`${signal} received, shutting down`);
    controlPlane.close().then(
      () => process.exit(0),
      (err: unknown) => {
        consoleLogger.error('shutdown failed', { error: errorMessage(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  consoleLogger.error(`failed to start: ${errorMessage(err)}`);
  process.exit(1);
});
