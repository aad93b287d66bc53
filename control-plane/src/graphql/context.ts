import { bearerSecret } from '../auth/credentials.js';
import type { Principal } from '../auth/roles.js';
import { unauthenticated } from '../errors.js';
import type { Actor, RequestMeta } from '../services/audit.js';
import type { Services } from '../services/index.js';

/** What every resolver gets, over HTTP and graphql-ws alike. */
export interface GraphQLContext {
  /** The authenticated caller, or null for a missing or unknown credential. */
  principal: Principal | null;
  /** Where the request came from (audit log). */
  meta: RequestMeta;
  /** The presented bearer secret, for `logout` (which ends exactly that session). Never logged or returned. */
  bearer: string | null;
  services: Services;
  /** The graphql-ws connection's `connectionParams` (absent over HTTP), e.g. a data plane's config features. */
  connectionParams?: Readonly<Record<string, unknown>>;
}

export function contextFor(principal: Principal | null, meta: RequestMeta, authorization: unknown, services: Services): GraphQLContext {
  return { principal, meta, bearer: bearerSecret(authorization), services };
}

/** The caller of an `@Authorized()` operation (the auth checker has already refused anonymous ones). */
export function actorOf(context: GraphQLContext): Actor {
  if (!context.principal) throw unauthenticated();
  return { principal: context.principal, meta: context.meta };
}
