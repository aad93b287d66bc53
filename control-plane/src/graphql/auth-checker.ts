import type { AuthCheckerFn } from 'type-graphql';
import { authorize } from '../auth/authorize.js';
import type { Role } from '../auth/roles.js';
import type { GraphQLContext } from './context.js';

/**
 * `@Authorized(Role.X)` on every operation routes here, including subscriptions (type-graphql checks before
 * `subscribe` runs, so a refused caller never gets a stream). It throws rather than returning false so the
 * error carries our UNAUTHENTICATED/FORBIDDEN code instead of type-graphql's generic one.
 */
export const authChecker: AuthCheckerFn<GraphQLContext, Role> = ({ context }, roles) => {
  authorize(context.principal, roles);
  return true;
};
