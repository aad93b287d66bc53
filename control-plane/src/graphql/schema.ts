import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth-checker.js';
import { InProcessPubSub } from './pubsub.js';
import { AuditResolver } from './resolvers/audit.resolver.js';
import { CatalogResolver } from './resolvers/catalog.resolver.js';
import { ConfigFileResolver } from './resolvers/config-file.resolver.js';
import { ConfigResolver } from './resolvers/config.resolver.js';
import { KeyResolver } from './resolvers/key.resolver.js';
import { ModelResolver } from './resolvers/model.resolver.js';
import { OrganizationResolver } from './resolvers/organization.resolver.js';
import { RequestLogResolver } from './resolvers/request-log.resolver.js';
import { SpendResolver } from './resolvers/spend.resolver.js';
import { TeamResolver } from './resolvers/team.resolver.js';
import { UsageResolver } from './resolvers/usage.resolver.js';
import { UserResolver } from './resolvers/user.resolver.js';
import { ViewerResolver } from './resolvers/viewer.resolver.js';

const resolvers = [
  ViewerResolver,
  OrganizationResolver,
  UserResolver,
  TeamResolver,
  KeyResolver,
  ModelResolver,
  SpendResolver,
  RequestLogResolver,
  ConfigResolver,
  ConfigFileResolver,
  UsageResolver,
  AuditResolver,
  CatalogResolver,
] as const;

/** Builds the executable schema; `pubSub` carries this control plane's topic subscriptions (spend updates). */
export function buildGraphQLSchema(pubSub: InProcessPubSub): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub,
    authChecker,
    // Inputs are validated by zod in the services, where the rules live next to the logic.
    validate: false,
  });
}

/** The SDL committed as schema/schema.graphql: sorted so the file changes only when the API does. */
export function printSdl(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
