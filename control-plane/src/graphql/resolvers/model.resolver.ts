import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { CreateModelInput, UpdateModelInput } from '../inputs/create-model.input.js';
import { ModelObject } from '../types/model.type.js';

@Resolver()
export class ModelResolver {
  @Authorized()
  @Query(() => [ModelObject])
  async models(@Ctx() ctx: GraphQLContext): Promise<ModelObject[]> {
    return (await ctx.services.models.list(actorOf(ctx))).map(ModelObject.from);
  }

  @Authorized()
  @Mutation(() => ModelObject)
  async createModel(
    @Arg('input', () => CreateModelInput) input: CreateModelInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await ctx.services.models.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => ModelObject, { description: 'Partial update; CONFLICT on a duplicate name.' })
  async updateModel(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateModelInput) input: UpdateModelInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await ctx.services.models.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteModel(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.models.delete(actorOf(ctx), id);
    return true;
  }
}
