/**
 * The control plane's logging surface. Deliberately tiny so an embedding process (the launcher, tests) can route
 * lines wherever it wants. Callers pass structured fields, never secrets: keys, tokens and hashes stay out of logs.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(message: string, fields?: Record<string, unknown>): string {
  return fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message;
}

/** Human-readable lines on stdout/stderr, prefixed so they stand out next to the data plane's output. */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(`control-plane: ${line(message, fields)}`),
  warn: (message, fields) => console.warn(`control-plane: ${line(message, fields)}`),
  error: (message, fields) => console.error(`control-plane: ${line(message, fields)}`),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** The message of an unknown thrown value, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
