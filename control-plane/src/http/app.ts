import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { DASHBOARD_PATH, GRAPHQL_PATH } from '@tollgate/schema';
import express, { type Express } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Authenticator } from '../auth/authenticate.js';
import { contextFor, type GraphQLContext } from '../graphql/context.js';
import { formatError } from '../graphql/format-error.js';
import { LIMIT_RULES } from '../graphql/limits.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';
import { dashboardRouter } from './dashboard.js';
import { requestMeta } from './request-meta.js';
import { GRAPHQL_BODY_LIMIT_BYTES } from './limits.js';

export interface HttpAppOptions {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  services: Services;
  webDist: string;
  logger: Logger;
}

export async function createHttpApp({ schema, authenticator, services, webDist, logger }: HttpAppOptions) {
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: (formatted, error) => formatError(formatted, error, logger),
    includeStacktraceInErrorResponses: false,
    validationRules: [...LIMIT_RULES],
    // The landing page would load Apollo's hosted sandbox from a CDN; a self-hosted gateway should not.
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  const app: Express = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
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
  return { app, apollo };
}
