import type { Server } from 'node:http';
import { GRAPHQL_PATH } from '@tollgate/schema';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticate.js';
import { requestMeta } from './request-meta.js';
import type { Principal } from '../auth/roles.js';
import { contextFor, type GraphQLContext } from '../graphql/context.js';
import { formatGraphQLErrors } from '../graphql/format-error.js';
import { validateWithLimits } from '../graphql/limits.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { GRAPHQL_BODY_LIMIT_BYTES } from './limits.js';

export interface GraphQLWsOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: Services;
  logger: Logger;
}

/**
 * graphql-ws on the HTTP server's /graphql path, same schema and same context as HTTP. The credential comes in
 * `connectionParams.authorization` and is checked once, in `onConnect`: a connection without a valid one is
 * closed (4403) before any operation runs. Per-operation rules (admin vs data plane) are the auth checker's.
 */
export function attachGraphQLWs({ httpServer, schema, authenticator, services, logger }: GraphQLWsOptions) {
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
        return true;
      },
      context: (ctx): GraphQLContext => ({
        ...contextFor(ctx.extra.principal ?? null, requestMeta(ctx.extra.request), ctx.connectionParams?.authorization, services),
        ...(ctx.connectionParams && { connectionParams: ctx.connectionParams }),
      }),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: formatGraphQLErrors(result.errors, logger) } : undefined,
      onError: (_ctx, _id, _payload, errors) => formatGraphQLErrors(errors, logger),
    },
    wsServer,
  );
  return {
    async close(): Promise<void> {
      // Closes every socket (1001); graphql-ws then ends each subscription's iterator, unregistering it.
      await server.dispose();
    },
  };
}
