import { CONFIG_FEATURES_PARAM, ConfigFeature } from '@tollgate/schema';
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
    // Each subscriber gets its own stream: a snapshot, then deltas from the version it last got, in the message
    // kinds its connection said it understands.
    subscribe: ({ context }) => {
      const { services, connectionParams } = context as GraphQLContext;
      return services.configPublisher.subscribe(configFeatures(connectionParams?.[CONFIG_FEATURES_PARAM]));
    },
    description: 'First message is a full snapshot, then deltas.',
  })
  gatewayConfig(@Root() update: ConfigUpdate): ConfigUpdateObject {
    return ConfigUpdateObject.from(update);
  }
}

/** The known config features in a connection's list; anything else (unknown names, not a list) is ignored. */
function configFeatures(value: unknown): ConfigFeature[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((name) => {
    const feature = ConfigFeature.safeParse(name);
    return feature.success ? [feature.data] : [];
  });
}
