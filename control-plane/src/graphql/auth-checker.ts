import type { AuthCheckerFn } from 'type-graphql';
import { requireAdminCaller } from '../auth/policy.js';
import { Role } from '../auth/roles.js';
import { forbidden, unauthenticated } from '../errors.js';
import type { GraphQLContext } from './context.js';

/**
 * Authentication for every operation, including subscriptions (type-graphql checks before `subscribe` runs, so a
 * refused caller never gets a stream). `@Authorized()` admits any admin caller (a user or the master key; what
 * each may do is decided by the policy in auth/policy.ts, where the services ask); `@Authorized(Role.DataPlane)`
 * admits the data-plane credential only. It throws rather than returning false so the error carries our
 * UNAUTHENTICATED/FORBIDDEN code instead of type-graphql's generic one.
 */
export const authChecker: AuthCheckerFn<GraphQLContext, Role> = ({ context }, roles) => {
  if (roles.length === 0) {
    requireAdminCaller(context.principal);
    return true;
  }
  if (!context.principal) throw unauthenticated();
  if (!roles.includes(context.principal.role)) throw forbidden();
  return true;
};
