import type { Logger } from '../logger.js';
import type { LoadedUws, UwsApp, UwsListenSocket, UwsRequest, UwsResponse } from '../uws.js';
import type { CorsPolicy } from './cors.js';
import { errors } from './errors.js';
import { Exchange } from './exchange.js';
import { readRequestHead, type RequestHead } from './request-head.js';

/** uWS's `ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT` (the `.d.ts` declares it as an ambient enum, not a value). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/**
 * A route handler. It runs inside the uWS callback: `req` may be read only before its first await (uWS frees it
 * when the callback returns), which is why the wrapper copies the request head up front.
 */
export type RouteHandler = (ex: Exchange, head: RequestHead, req: UwsRequest) => void | Promise<void>;

export interface Route {
  method: 'get' | 'post' | 'any';
  pattern: string;
  handler: RouteHandler;
}

export interface HttpServer {
  readonly port: number;
  /** Requests whose response has not finished yet. */
  readonly inFlight: number;
  /** Closes the listen socket: no new connections; open ones (and their requests) continue. */
  stopAccepting(): void;
  /** Resolves when no request is in flight, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean>;
  /** Closes every remaining connection; their requests see an abort. */
  closeConnections(): void;
}

export interface HttpServerOptions {
  uws: LoadedUws;
  host: string;
  port: number;
  routes: readonly Route[];
  /** The config version to stamp on responses that never look at the config (404s, health). */
  configVersion: () => number;
  /** See `DataPlaneOptions.streamKeepAliveMs`. */
  streamKeepAliveMs: number;
  /** Cross-origin requests from browsers; null or absent: none (`TOLLGATE_CORS_ORIGINS`). */
  cors?: CorsPolicy | null;
  /** Shared with the data plane: while it drains, responses close their connections. */
  lifecycle?: { readonly draining: boolean };
  logger: Logger;
}

let lastVersion = Number.NaN;
let lastVersionText = '';

/** A config version as header text, remembered: it changes rarely and every response carries it. */
export function versionText(version: number): string {
  if (version !== lastVersion) {
    lastVersionText = String(version);
    lastVersion = version;
  }
  return lastVersionText;
}

export function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { uws, logger } = options;
  const app = uws.module.App() as UwsApp;
  /**
   * A request is in flight until its response is done AND its handler has returned: after an abort the pipeline
   * still has to record the usage event, and shutdown must wait for that before the final usage flush.
   */
  // A count, not a Set of exchanges: nothing needs the members, and adding to and deleting from a long-lived Set
  // on every request keeps young objects alive through scavenges (see upstream/deadlines.ts).
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const release = (_ex: Exchange): void => {
    inFlight--;
    if (inFlight > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const fail = (ex: Exchange, url: string, err: unknown): void => {
    logger.error('request handler failed', { requestId: ex.requestId, url, error: err });
    if (!ex.headersSent) ex.sendError(errors.internal());
    else ex.endStream();
  };

  const cors = options.cors ?? null;
  const wrap = (handler: RouteHandler) => (res: UwsResponse, req: UwsRequest): void => {
    // Order matters: copy the stack-allocated request first, then attach onAborted (in Exchange's constructor)
    // before anything can await.
    const head = readRequestHead(req);
    if (cors !== null && cors.preflight(req, res, head.method)) return;
    const ex = new Exchange(res, options.streamKeepAliveMs, options.lifecycle);
    if (head.method === 'head') ex.headOnly = true;
    if (cors !== null) {
      const origin = cors.allowOrigin(req.getHeader('origin'));
      if (origin !== undefined) ex.cors = { origin, vary: cors.variesByOrigin };
    }
    const version = options.configVersion();
    if (version >= 0) ex.configVersion = versionText(version);
    inFlight++;
    let result: void | Promise<void> = undefined;
    try {
      result = handler(ex, head, req);
    } catch (err) {
      fail(ex, head.url, err);
    }
    if (result === undefined) ex.onDone(release);
    else {
      result.then(
        () => ex.onDone(release),
        (err: unknown) => {
          fail(ex, head.url, err);
          ex.onDone(release);
        },
      );
    }
  };

  for (const route of options.routes) {
    // Every GET route answers HEAD too (load balancers' health checks, clients probing `/v1/models`): the same
    // status and headers, no body. Registered first, so the catch-all `any` routes do not take HEAD.
    if (route.method === 'get') app.head(route.pattern, wrap(route.handler));
    app[route.method](route.pattern, wrap(route.handler));
  }

  return new Promise((resolve, reject) => {
    // Exclusive: uWS reuses the port by default (SO_REUSEPORT), so a second data plane on a port another process serves
    // would start and the kernel would split the connections between them. Now it fails, as any server does.
    const listen = app.listen as unknown as (host: string, port: number, options: number, cb: (socket: UwsListenSocket | false) => void) => void;
    listen.call(app, options.host, options.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (listenSocket: UwsListenSocket | false) => {
      if (!listenSocket) {
        reject(new Error(`could not listen on ${options.host}:${options.port} (address in use or not available)`));
        return;
      }
      // Typed for us_socket in the .d.ts, but it accepts a listen socket too (that is how port 0 is resolved).
      const port = uws.module.us_socket_local_port(listenSocket as unknown as Parameters<typeof uws.module.us_socket_local_port>[0]);
      let listening = true;
      resolve({
        port,
        get inFlight() {
          return inFlight;
        },
        stopAccepting() {
          if (!listening) return;
          listening = false;
          uws.module.us_listen_socket_close(listenSocket);
        },
        idle(timeoutMs) {
          if (inFlight === 0) return Promise.resolve(true);
          return new Promise((done) => {
            const timer = setTimeout(() => done(false), timeoutMs);
            idleWaiters.push(() => {
              clearTimeout(timer);
              done(true);
            });
          });
        },
        closeConnections() {
          // Native builds have App.close() (closes every socket, running onAborted of open requests); the ws
          // fallback has no equivalent, its keep-alive sockets die with the process.
          app.close?.();
        },
      });
    });
  });
}
