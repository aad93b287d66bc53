import { forbidden, unauthenticated } from '../errors.js';
import type { Principal, Role } from './roles.js';

/**
 * The one authorization rule: no (valid) credential → UNAUTHENTICATED; a valid credential of another kind →
 * FORBIDDEN. Used by the GraphQL auth checker for queries, mutations and subscriptions alike.
 */
export function authorize(principal: Principal | null, allowed: readonly Role[]): Principal {
  if (!principal) throw unauthenticated();
  if (!allowed.includes(principal.role)) throw forbidden();
  return principal;
}
