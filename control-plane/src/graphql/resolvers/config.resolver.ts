import { Authorized, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { ConfigUpdate } from '../../services/index.js';
import type { GraphQLContext } from '../context.js';
import { ConfigUpdateObject } from '../types/config.type.js';

@Resolver()
export class ConfigResolver {
  @Authorized()
  @Query(() => Int, { description: 'The highest committed config version.' })
  configVersion(@Ctx() { services }: GraphQLContext): Promise<number> {
    return services.configLog.currentVersion();
  }

  @Authorized(Role.DataPlane)
  @Subscription(() => ConfigUpdateObject, {
    // Each subscriber gets its own stream: a snapshot, then deltas from the version it last got.
    subscribe: ({ context }) => (context as GraphQLContext).services.configPublisher.subscribe(),
    description: 'First message is a full snapshot, then deltas.',
  })
  gatewayConfig(@Root() update: ConfigUpdate): ConfigUpdateObject {
    return ConfigUpdateObject.from(update);
  }
}
