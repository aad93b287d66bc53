/**
 * The data plane's logging seam. Structured fields stay separate from the message so a JSON log shipper can be
 * dropped in later without touching call sites.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function format(message: string, fields?: LogFields): string {
  if (!fields || Object.keys(fields).length === 0) return message;
  return `${message} ${JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value))}`;
}

/** Plain-text lines on stdout/stderr; debug only when `TOLLGATE_DEBUG` is set. */
export function consoleLogger(debug = Boolean(process.env.TOLLGATE_DEBUG)): Logger {
  return {
    debug: (m, f) => { if (debug) console.debug(format(m, f)); },
    info: (m, f) => console.log(format(m, f)),
    warn: (m, f) => console.warn(format(m, f)),
    error: (m, f) => console.error(format(m, f)),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
