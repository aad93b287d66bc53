import type { Server } from 'node:http';
import { GRAPHQL_PATH } from '@tollgate/schema';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticate.js';
import { requestMeta } from './request-meta.js';
import type { Principal } from '../auth/roles.js';
import { contextFor, type GraphQLContext } from '../graphql/context.js';
import { isMutation, recordRefusals } from '../graphql/audit-refusals.js';
import { formatGraphQLErrors } from '../graphql/format-error.js';
import { validateWithLimits } from '../graphql/limits.js';
import { errorMessage, type Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { GRAPHQL_BODY_LIMIT_BYTES } from './limits.js';

export interface GraphQLWsOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
  /** How often open connections' credentials are checked again (default 30 s). */
  recheckMs?: number;
}

/** Closes a socket whose credential no longer authenticates: graphql-ws's "Forbidden", which clients do not retry. */
const FORBIDDEN = 4403;
/**
 * Closes a socket whose caller's rights changed (role, organization, teams): "Service Restart", which clients retry
 * at once, re-subscribing under the rights they have now.
 */
const RIGHTS_CHANGED = 1012;

/**
 * graphql-ws on the HTTP server's /graphql path, same schema and same context as HTTP. The credential comes in
 * `connectionParams.authorization`. It is checked in `onConnect` (a connection without a valid one is closed, 4403,
 * before any operation runs), again for every operation (a user blocked, logged out or removed from a team since the
 * socket opened acts with what they have now, or not at all, as over HTTP), and every `recheckMs` for the
 * subscriptions already running: a credential that no longer authenticates closes its socket (4403), changed rights
 * close it for the client to re-subscribe with them (1012). Per-operation rules (admin vs data plane) are the auth
 * checker's.
 */
export function attachGraphQLWs({ httpServer, schema, authenticator, services, logger, recheckMs = 30_000 }: GraphQLWsOptions) {
  /** Open connections that authenticated, and what they authenticated as. */
  const open = new Map<WebSocket, { authorization: unknown; principal: Principal }>();
  const recheck = setInterval(() => {
    for (const [socket, connection] of open) {
      authenticator.authenticate(connection.authorization).then(
        (principal) => {
          if (!open.has(socket)) return;
          if (principal === null) socket.close(FORBIDDEN, 'Forbidden');
          else if (rightsOf(principal) !== rightsOf(connection.principal)) socket.close(RIGHTS_CHANGED, 'Rights changed');
        },
        (err: unknown) => logger.warn('could not check a GraphQL WebSocket connection again', { error: errorMessage(err) }),
      );
    }
  }, recheckMs);
  recheck.unref();
  // Same size cap as an HTTP GraphQL body; ws would otherwise accept 100 MiB messages.
  const wsServer = new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: GRAPHQL_BODY_LIMIT_BYTES });
  const server = useServer<{ authorization?: unknown }, { principal: Principal }>(
    {
      schema,
      // Never put internal error text into close reasons.
      isProd: true,
      validate: validateWithLimits,
      onConnect: async (ctx) => {
        const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
        if (!principal) return false;
        ctx.extra.principal = principal;
        open.set(ctx.extra.socket, { authorization: ctx.connectionParams?.authorization, principal });
        return true;
      },
      onClose: (ctx) => {
        open.delete(ctx.extra.socket);
      },
      // Every operation acts as the caller is now: the context below reads `principal`.
      onSubscribe: async (ctx) => {
        const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
        // Refused; the socket itself is closed by the next check of open connections.
        if (!principal) {
          return [new GraphQLError('Your credential is no longer valid; sign in again.', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        ctx.extra.principal = principal;
        // `open` keeps the rights the socket connected with: subscriptions it runs may have started under them, so a
        // change since still closes it for them to start again.
        return undefined;
      },
      context: (ctx): GraphQLContext => ({
        ...contextFor(ctx.extra.principal ?? null, requestMeta(ctx.extra.request), ctx.connectionParams?.authorization, services),
        ...(ctx.connectionParams && { connectionParams: ctx.connectionParams }),
      }),
      onNext: async (_ctx, _id, _payload, args, result) => {
        if (!result.errors) return undefined;
        if (isMutation(args.document, args.operationName)) await recordRefusals(args.contextValue as GraphQLContext, result.errors, logger);
        return { ...result, errors: formatGraphQLErrors(result.errors, logger) };
      },
      onError: (_ctx, _id, _payload, errors) => formatGraphQLErrors(errors, logger),
    },
    wsServer,
  );
  return {
    async close(): Promise<void> {
      clearInterval(recheck);
      // Closes every socket (1001); graphql-ws then ends each subscription's iterator, unregistering it.
      await server.dispose();
    },
  };
}

/** What a principal may do, as one string: equal for two principals with the same rights. */
function rightsOf(p: Principal): string {
  return JSON.stringify([p.role, p.credential, p.userId, p.orgId, p.readOnly, [...p.teams].sort(([a], [b]) => a.localeCompare(b))]);
}
