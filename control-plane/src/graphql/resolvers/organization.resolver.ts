import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { CreateOrganizationInput, UpdateOrganizationInput } from '../inputs/admin.input.js';
import { OrganizationObject } from '../types/admin.type.js';

@Resolver()
export class OrganizationResolver {
  @Authorized()
  @Query(() => [OrganizationObject], { description: 'The organizations you may see, by name.' })
  async organizations(@Ctx() ctx: GraphQLContext): Promise<OrganizationObject[]> {
    return (await ctx.services.organizations.list(actorOf(ctx))).map(OrganizationObject.from);
  }

  @Authorized()
  @Mutation(() => OrganizationObject)
  async createOrganization(@Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput, @Ctx() ctx: GraphQLContext): Promise<OrganizationObject> {
    return OrganizationObject.from(await ctx.services.organizations.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => OrganizationObject)
  async updateOrganization(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationObject> {
    return OrganizationObject.from(await ctx.services.organizations.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteOrganization(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.organizations.delete(actorOf(ctx), id);
    return true;
  }
}
