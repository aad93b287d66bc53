import { STATUS_CODES } from 'node:http';

const cache = new Map<number, string>();

/** "200 OK", "413 Payload Too Large": uWS writes the status line verbatim, reason phrase included. */
export function statusLine(status: number): string {
  let line = cache.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    cache.set(status, line);
  }
  return line;
}
