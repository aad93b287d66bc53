import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { DASHBOARD_PATH, GRAPHQL_PATH } from '@tollgate/schema';
import express, { type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth/authenticate.js';
import { contextFor, type GraphQLContext } from '../graphql/context.js';
import { auditRefusals } from '../graphql/audit-refusals.js';
import { formatError } from '../graphql/format-error.js';
import { LIMIT_RULES } from '../graphql/limits.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { dashboardRouter } from './dashboard.js';
import { requestMeta } from './request-meta.js';
import { GRAPHQL_BODY_LIMIT_BYTES } from './limits.js';

export interface HttpAppOptions {
  /** Whether the database answers now (for `/readyz`). */
  databaseReady?: () => Promise<boolean>;
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: Services;
  webDist: string;
  logger: Logger;
}

export async function createHttpApp({ schema, authenticator, services, webDist, logger, databaseReady }: HttpAppOptions) {
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: (formatted, error) => formatError(formatted, error, logger),
    includeStacktraceInErrorResponses: false,
    // The process's own shutdown stops Apollo last, after the HTTP server has drained (start.ts). Apollo's handler
    // (on by default outside tests) stopped it at the signal, and every request of the drain answered 500.
    stopOnTerminationSignals: false,
    validationRules: [...LIMIT_RULES],
    // The landing page would load Apollo's hosted sandbox from a CDN; a self-hosted gateway should not.
    plugins: [ApolloServerPluginLandingPageDisabled(), auditRefusals(logger)],
  });
  await apollo.start();

  const app: Express = express();
  app.disable('x-powered-by');
  // Liveness: the process answers. Readiness: it can also serve, its database answering (a load balancer routes only
  // to ready replicas; restarting one whose database is away would not help it).
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = databaseReady === undefined || (await databaseReady());
    res.status(ready ? 200 : 503).json(ready ? { status: 'ready' } : { status: 'not_ready', reason: 'database unavailable' });
  });
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: GRAPHQL_BODY_LIMIT_BYTES }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<GraphQLContext> =>
        contextFor(await authenticator.authenticate(req.headers.authorization), requestMeta(req), req.headers.authorization, services),
    }),
  );
  app.use(DASHBOARD_PATH, dashboardRouter(webDist));
  app.get('/', (_req, res) => {
    res.redirect(`${DASHBOARD_PATH}/`);
  });
  app.use(errorHandler(logger));
  return { app, apollo };
}

/**
 * Errors raised before GraphQL sees the request (a body that is not JSON, or over the size limit) answered as GraphQL
 * errors in JSON, with a status and a code, instead of Express's default HTML page (which carries a stack trace with
 * the server's file paths). Anything else is a 500 without details, logged.
 */
function errorHandler(logger: Logger): express.ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, code, message } = describeHttpError(err);
    if (status >= 500) logger.error('http request failed', { error: err instanceof Error ? err.message : String(err) });
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

function describeHttpError(err: unknown): { status: number; code: string; message: string } {
  const { type, status, message } = (err ?? {}) as { type?: unknown; status?: unknown; message?: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'BAD_REQUEST', message: `The request body is not valid JSON: ${String(message)}` };
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than the limit of ${GRAPHQL_BODY_LIMIT_BYTES} bytes.` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: String(message) };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, code: 'BAD_REQUEST', message: String(message) };
  return { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' };
}
