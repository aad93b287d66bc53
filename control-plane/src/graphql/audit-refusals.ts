import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import { isRead, refusalOf } from '../auth/policy.js';
import { Role } from '../auth/roles.js';
import { errorMessage, type Logger } from '../logger.js';
import type { GraphQLContext } from './context.js';

/** The audit log's entity type for what an action is done to (as the services' own entries name it). */
const ENTITY_TYPES: Readonly<Record<string, string>> = {
  org: 'organization',
  team: 'team',
  user: 'user',
  key: 'key',
  model: 'model',
  router: 'router_settings',
  end_user: 'end_user',
  governance: 'governance',
  config: 'config',
};

const entityTypeOf = (action: string) => ENTITY_TYPES[action.slice(0, action.lastIndexOf('.'))] ?? 'unknown';

/**
 * Refused changes in the audit log: a mutation the policy refused (FORBIDDEN from `assertCan`) to a signed-in caller
 * is recorded as `access.denied`, naming the action refused and the operation, on the object refused (with its
 * organization, so that organization's admins see who tried; the caller's own for something proxy-wide), from where.
 * Refused reads are not: a list shows each caller what they may see. Written before the answer goes out; a database
 * away then loses only the record (logged), not the answer, which is FORBIDDEN either way.
 */
export async function recordRefusals(context: GraphQLContext, errors: readonly GraphQLError[], logger: Logger): Promise<void> {
  const principal = context.principal;
  if (principal === null || principal.role === Role.DataPlane) return;
  const refused = errors.flatMap((error) => {
    const refusal = refusalOf(unwrapResolverError(error));
    return refusal === undefined || isRead(refusal.action) ? [] : [{ refusal, field: error.path?.[0] }];
  });
  if (refused.length === 0) return;
  try {
    await context.services.writer.run({ principal, meta: context.meta }, async ({ audit }) => {
      for (const { refusal, field } of refused) {
        audit({
          action: 'access.denied',
          entityType: entityTypeOf(refusal.action),
          entityId: refusal.scope.id ?? '',
          orgId: refusal.scope.orgId ?? principal.orgId,
          after: { action: refusal.action, ...(typeof field === 'string' && { operation: field }) },
        });
      }
    });
  } catch (err) {
    logger.warn('a refused change could not be recorded in the audit log', { error: errorMessage(err) });
  }
}

/** Whether `document`'s operation (the one named, or its only one) is a mutation. */
export function isMutation(document: DocumentNode, operationName?: string | null): boolean {
  return getOperationAST(document, operationName)?.operation === 'mutation';
}

/** `recordRefusals` for mutations over HTTP (graphql-ws calls it itself: http/graphql-ws.ts). */
export function auditRefusals(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operation }) {
          if (operation?.operation === 'mutation') await recordRefusals(contextValue, errors, logger);
        },
      };
    },
  };
}
