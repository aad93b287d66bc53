import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * The parts of undici the data plane uses: the connection pool (`Agent`), `request`, the error classes and header
 * parsing. undici's package entry point also loads fetch, WebSocket, EventSource, the cache stores (SQLite
 * included), the mock agents and more, about 8 MB of resident memory a data plane never uses; so these are
 * required from their own files. undici has no `exports` map, so those paths resolve like any other; should a
 * future release move them, the full entry point is loaded instead (same API, more memory).
 */
export interface UndiciParts {
  readonly Agent: typeof Undici.Agent;
  readonly request: typeof Undici.request;
  readonly errors: typeof Undici.errors;
  readonly parseHeaders: typeof Undici.util.parseHeaders;
  /** True when loaded from undici's own files, false when from its entry point. */
  readonly lean: boolean;
}

const require = createRequire(import.meta.url);

type RequestFn = (this: Undici.Dispatcher, opts: Record<string, unknown>) => Promise<Undici.Dispatcher.ResponseData>;

function loadLean(): UndiciParts {
  const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
  const requestApi = require('undici/lib/api/api-request.js') as RequestFn;
  const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
  const { parseHeaders } = require('undici/lib/core/util.js') as { parseHeaders: typeof Undici.util.parseHeaders };
  if (typeof Agent !== 'function' || typeof requestApi !== 'function' || typeof parseHeaders !== 'function' || typeof errors.HeadersTimeoutError !== 'function') {
    throw new Error('unexpected undici layout');
  }
  // What undici's entry point does for `request(url, opts)`: split the URL, default the method, bind the dispatcher.
  const request = ((url: string | URL, opts: Undici.Dispatcher.RequestOptions & { dispatcher: Undici.Dispatcher }) => {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const { dispatcher, ...rest } = opts;
    if (!dispatcher) throw new Error('request() needs a dispatcher');
    return requestApi.call(dispatcher, {
      ...rest,
      origin: parsed.origin,
      path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
      method: opts.method ?? (opts.body ? 'PUT' : 'GET'),
    });
  }) as unknown as typeof Undici.request;
  return { Agent, request, errors, parseHeaders, lean: true };
}

function loadFull(): UndiciParts {
  const undici = require('undici') as typeof Undici;
  return { Agent: undici.Agent, request: undici.request, errors: undici.errors, parseHeaders: undici.util.parseHeaders, lean: false };
}

function load(): UndiciParts {
  try {
    return loadLean();
  } catch {
    return loadFull();
  }
}

export const undici: UndiciParts = load();
