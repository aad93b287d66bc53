import { logFormatFromEnv, logLine, type LogFormat, type LogLevel } from '@tollgate/schema';

/**
 * The control plane's logging surface. Deliberately tiny so an embedding process (the launcher, tests) can route
 * lines wherever it wants. Callers pass structured fields, never secrets: keys, tokens and hashes stay out of logs.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Lines on stdout/stderr: human-readable ones prefixed so they stand out next to the data plane's output, or one JSON
 * object each (`TOLLGATE_LOG_FORMAT=json`, schema's log-line.ts).
 */
export function createConsoleLogger(format: LogFormat): Logger {
  const prefix = format === 'text' ? 'control-plane: ' : '';
  const line = (level: LogLevel, message: string, fields?: Record<string, unknown>) => prefix + logLine(format, 'control-plane', level, message, fields);
  return {
    info: (message, fields) => console.log(line('info', message, fields)),
    warn: (message, fields) => console.warn(line('warn', message, fields)),
    error: (message, fields) => console.error(line('error', message, fields)),
  };
}

/** The console logger in the format the environment names (`TOLLGATE_LOG_FORMAT`; checked at start, see main.ts). */
export const consoleLogger: Logger = createConsoleLogger(safeFormat());

function safeFormat(): LogFormat {
  try {
    return logFormatFromEnv(process.env);
  } catch {
    return 'text'; // main.ts refuses to start on it, naming the variable
  }
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** The message of an unknown thrown value, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
