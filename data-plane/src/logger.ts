import { logLine, type LogFormat } from '@tollgate/schema';

/**
 * The data plane's logging seam. Structured fields stay separate from the message: lines are text, or one JSON object
 * each for log shippers (`TOLLGATE_LOG_FORMAT=json`, schema's log-line.ts).
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Lines on stdout/stderr in `format`; debug only when `TOLLGATE_DEBUG` is set. */
export function consoleLogger(debug = Boolean(process.env.TOLLGATE_DEBUG), format: LogFormat = 'text'): Logger {
  return {
    debug: (m, f) => { if (debug) console.debug(logLine(format, 'data-plane', 'debug', m, f)); },
    info: (m, f) => console.log(logLine(format, 'data-plane', 'info', m, f)),
    warn: (m, f) => console.warn(logLine(format, 'data-plane', 'warn', m, f)),
    error: (m, f) => console.error(logLine(format, 'data-plane', 'error', m, f)),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
