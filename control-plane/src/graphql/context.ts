import type { Principal } from '../auth/roles.js';
import type { Services } from '../services/index.js';

/** What every resolver gets, over HTTP and graphql-ws alike. */
export interface GraphQLContext {
  /** The authenticated caller, or null for a missing or unknown credential. */
  principal: Principal | null;
  services: Services;
}
