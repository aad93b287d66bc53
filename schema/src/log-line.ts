/**
 * How both planes write a log line. `TOLLGATE_LOG_FORMAT=json` makes each line one JSON object, for log shippers
 * (Loki, Datadog, CloudWatch, a Kubernetes cluster's collector): `time` (ISO 8601), `level`, `service`
 * (`control-plane`, `data-plane`), `msg`, then the call's own fields (an `Error` as its message; a field named like one
 * of those four is kept as `field.<name>`). Otherwise (`text`, the default) the message and the fields as JSON, as
 * before.
 */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RESERVED = new Set(['time', 'level', 'service', 'msg']);

/** The format `TOLLGATE_LOG_FORMAT` names; anything else than `json` or `text` (or unset: `text`) is an error naming it. */
export function logFormatFromEnv(env: Readonly<Record<string, string | undefined>>): LogFormat {
  const value = (env.TOLLGATE_LOG_FORMAT ?? '').trim().toLowerCase();
  if (value === '' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new Error(`TOLLGATE_LOG_FORMAT must be json or text, got '${env.TOLLGATE_LOG_FORMAT}'`);
}

/** JSON.stringify's replacer for log fields: an `Error` as its message (its own fields are rarely safe or useful). */
export function logValue(_key: string, value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

/** One line in `format`: text is `message {fields}`, JSON one object (see the top of this file). */
export function logLine(format: LogFormat, service: string, level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): string {
  if (format === 'text') return fields && Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields, logValue)}` : message;
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, service, msg: message };
  if (fields) for (const [name, value] of Object.entries(fields)) line[RESERVED.has(name) ? `field.${name}` : name] = value;
  return JSON.stringify(line, logValue);
}
