import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { RouterSettingsInput } from '../inputs/router-settings.input.js';
import { RouterSettingsObject } from '../types/router-settings.type.js';

@Resolver()
export class RouterSettingsResolver {
  @Authorized()
  @Query(() => RouterSettingsObject, { description: 'How data planes route among deployments, retry, fall back and cool deployments down.' })
  async routerSettings(@Ctx() ctx: GraphQLContext): Promise<RouterSettingsObject> {
    return RouterSettingsObject.from(await ctx.services.routerSettings.get(actorOf(ctx)));
  }

  @Authorized()
  @Mutation(() => RouterSettingsObject, {
    description: 'Proxy admins only. BAD_USER_INPUT names each offending field (an unknown model name, a model falling back to itself, a target listed twice); CONFLICT while the config file declares the router settings.',
  })
  async updateRouterSettings(
    @Arg('input', () => RouterSettingsInput) input: RouterSettingsInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RouterSettingsObject> {
    return RouterSettingsObject.from(await ctx.services.routerSettings.update(actorOf(ctx), input));
  }
}
