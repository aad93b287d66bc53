#!/usr/bin/env node
// First: V8 settings that must be in place before any code is optimized.
import './v8-flags.js';
import { startDataPlane } from './data-plane.js';
import { logFormatFromEnv, logLine } from '@tollgate/schema';
import { dataPlaneOptionsFromEnv, EnvError } from './env.js';
import { consoleLogger } from './logger.js';
import { tokenizerReady } from './providers/token-estimate.js';
import { SpoolLockedError } from './usage/spool-lock.js';
import { UwsUnavailableError } from './uws.js';

/** `node data-plane/dist/main.js`: the data plane configured from the environment. */
async function main(): Promise<void> {
  let format;
  try {
    format = logFormatFromEnv(process.env);
  } catch (err) {
    throw new EnvError((err as Error).message);
  }
  const logger = consoleLogger(undefined, format);
  const options = dataPlaneOptionsFromEnv();
  const dataPlane = await startDataPlane({ ...options, logger });
  logger.info(`data plane listening on http://${options.host}:${dataPlane.port} (uWS native: ${dataPlane.uws})`);
  tokenizerReady().catch((err: unknown) => logger.error('token counter failed to load; local token counts are characters ÷ 4', { error: err }));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again; exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal} received; draining requests and flushing usage`);
    dataPlane.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by `bin/tollgate.js` with an IPC channel: when the launcher is gone (even killed, with no chance to stop
  // this process), the channel closes, and the data plane stops as on SIGTERM instead of living on as an orphan that
  // holds the port and the spool. The channel alone does not keep the process running.
  if (process.send !== undefined) {
    process.channel?.unref();
    process.once('disconnect', () => {
      if (stopping) return;
      logger.warn('the launcher (bin/tollgate.js) is gone; stopping');
      stop('SIGTERM');
    });
  }
}

/** Whether lines are JSON (a format that cannot be read is not: its refusal is said in text). */
function jsonLogs(): boolean {
  try {
    return logFormatFromEnv(process.env) === 'json';
  } catch {
    return false;
  }
}

/** sysexits' EX_CONFIG: the data plane's configuration is wrong. */
const EXIT_CONFIG = 78;

main().catch((err: unknown) => {
  // Configuration and platform problems get their message alone; anything else its stack.
  const known = err instanceof EnvError || err instanceof UwsUnavailableError || err instanceof SpoolLockedError;
  if (jsonLogs()) console.error(logLine('json', 'data-plane', 'error', known ? (err as Error).message : 'failed to start', known ? undefined : { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  else if (known) console.error(`tollgate data plane: ${(err as Error).message}`);
  else console.error('tollgate data plane failed to start:', err);
  // A configuration a restart cannot fix exits with EX_CONFIG, so a supervisor (the launcher) does not retry it.
  process.exit(err instanceof EnvError || err instanceof UwsUnavailableError ? EXIT_CONFIG : 1);
});
