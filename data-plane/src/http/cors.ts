import type { UwsRequest, UwsResponse } from '../uws.js';

/**
 * Cross-origin requests from browsers (`TOLLGATE_CORS_ORIGINS`): web apps that call the gateway from the page, with the
 * OpenAI or Anthropic SDK (`dangerouslyAllowBrowser`) or fetch. Off unless configured: a browser page holding a key is
 * the operator's choice to make, per origin. Keys travel in headers, never cookies, so no credentials mode is needed:
 * `*` answers any origin with `Access-Control-Allow-Origin: *`; a list answers the origins on it with their own origin
 * (and `Vary: Origin`, so caches keep the answers apart). Other origins get no CORS headers: the browser refuses the
 * answer, as it would from a server that knows nothing of CORS.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string> | null;

  /** `origins`: exact origins (`https://app.example.com`), or `*` among them for any. */
  constructor(origins: readonly string[]) {
    this.origins = origins.includes('*') ? null : new Set(origins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  /** The `Access-Control-Allow-Origin` value for a request from `origin` (its `Origin` header), or undefined for none. */
  allowOrigin(origin: string): string | undefined {
    if (origin === '') return undefined;
    if (this.origins === null) return '*';
    return this.origins.has(origin.toLowerCase()) ? origin : undefined;
  }

  /** Whether a response's allowed origin varies with the request's `Origin` (a list, not `*`). */
  get variesByOrigin(): boolean {
    return this.origins !== null;
  }

  /**
   * Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin: 204 with the methods
   * the gateway serves, the headers the page asked to send (an SDK's own: `authorization`, `x-api-key`,
   * `anthropic-version`, `x-stainless-*`, …), cached by the browser for 10 minutes. False when it is not one (the
   * request goes on to its route).
   */
  preflight(req: UwsRequest, res: UwsResponse, method: string): boolean {
    if (method !== 'options') return false;
    const requested = req.getHeader('access-control-request-method');
    const allowed = requested === '' ? undefined : this.allowOrigin(req.getHeader('origin'));
    if (allowed === undefined) return false;
    const headers = req.getHeader('access-control-request-headers');
    res.cork(() => {
      res.writeStatus('204 No Content');
      res.writeHeader('access-control-allow-origin', allowed);
      if (this.variesByOrigin) res.writeHeader('vary', 'Origin');
      res.writeHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
      if (headers !== '') res.writeHeader('access-control-allow-headers', headers);
      res.writeHeader('access-control-max-age', '600');
      res.end();
    });
    return true;
  }
}

/** Every response header may be read by the page (request ids, rate limits, `retry-after`, the deployment that answered). */
export const CORS_EXPOSE_HEADERS = '*';
