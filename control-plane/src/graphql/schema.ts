import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker.js';
import { AuditResolver } from './resolvers/audit.resolver.js';
import { BudgetAlertResolver } from './resolvers/budget-alert.resolver.js';
import { CatalogResolver } from './resolvers/catalog.resolver.js';
import { ConfigFileResolver } from './resolvers/config-file.resolver.js';
import { ConfigResolver } from './resolvers/config.resolver.js';
import { KeyResolver, VirtualKeyFieldsResolver } from './resolvers/key.resolver.js';
import { ModelHealthResolver } from './resolvers/model-health.resolver.js';
import { ModelResolver } from './resolvers/model.resolver.js';
import { OrganizationResolver } from './resolvers/organization.resolver.js';
import { RequestLogResolver } from './resolvers/request-log.resolver.js';
import { RouterSettingsResolver } from './resolvers/router-settings.resolver.js';
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
  VirtualKeyFieldsResolver,
  ModelResolver,
  ModelHealthResolver,
  RouterSettingsResolver,
  SpendResolver,
  RequestLogResolver,
  ConfigResolver,
  ConfigFileResolver,
  UsageResolver,
  AuditResolver,
  CatalogResolver,
  BudgetAlertResolver,
] as const;

/**
 * Every subscription brings its own stream (`subscribe`: per-subscriber state, filters and throttles), so nothing
 * publishes to topics; type-graphql still insists on a pub/sub when a schema has subscriptions.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('subscriptions here bring their own streams; there are no topics');
  },
  subscribe: () => {
    throw new Error('subscriptions here bring their own streams; there are no topics');
  },
};

/** Builds the executable schema. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub: NO_TOPICS,
    authChecker,
    // Inputs are validated by zod in the services, where the rules live next to the logic.
    validate: false,
  });
}

/** The SDL committed as schema/schema.graphql: sorted so the file changes only when the API does. */
export function printSdl(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
