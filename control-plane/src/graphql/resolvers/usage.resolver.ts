import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { GraphQLContext } from '../context.js';
import { GraphQLJSON } from '../scalars.js';
import { UsageAckObject } from '../types/usage.type.js';

@Resolver()
export class UsageResolver {
  @Authorized(Role.DataPlane)
  @Mutation(() => UsageAckObject, { description: 'Idempotent by requestId.' })
  async ingestUsage(
    // Each event is validated against the schema UsageEvent; a malformed one is rejected, not the batch.
    @Arg('events', () => [GraphQLJSON]) events: unknown[],
    @Ctx() { services }: GraphQLContext,
  ): Promise<UsageAckObject> {
    return UsageAckObject.from(await services.usage.ingest(events));
  }
}
