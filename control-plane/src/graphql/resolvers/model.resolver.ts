import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { CreateModelInput, UpdateModelInput } from '../inputs/create-model.input.js';
import { ModelObject } from '../types/model.type.js';

@Resolver()
export class ModelResolver {
  @Authorized()
  @Query(() => [ModelObject], { description: 'Live deployments by name; with name, the deployments of that model group only.' })
  async models(
    @Arg('name', () => String, { nullable: true }) name: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelObject[]> {
    const actor = actorOf(ctx);
    const proxyWide = actor.principal.role === Role.Admin || actor.principal.role === Role.ProxyAdminViewer;
    return (await ctx.services.models.list(actor, name ?? null)).map(proxyWide ? ModelObject.from : ModelObject.forTenant);
  }

  @Authorized()
  @Mutation(() => ModelObject, { description: "A deployment. Several may share a name (a model group); CONFLICT when that name's group is declared in the config file." })
  async createModel(
    @Arg('input', () => CreateModelInput) input: CreateModelInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await ctx.services.models.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => ModelObject, {
    description: "Partial update. A new name moves the deployment to that name's group; CONFLICT when that group is declared in the config file, or when the router settings name the old name and this is its last deployment.",
  })
  async updateModel(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateModelInput) input: UpdateModelInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await ctx.services.models.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Deletes one deployment (the others of its name stay); CONFLICT when the router settings name it and it is the last of its name.' })
  async deleteModel(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.models.delete(actorOf(ctx), id);
    return true;
  }
}
