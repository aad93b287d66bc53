import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { GraphQLContext } from '../context.js';
import { CreateModelInput, UpdateModelInput } from '../inputs/create-model.input.js';
import { ModelObject } from '../types/model.type.js';

@Resolver()
export class ModelResolver {
  @Authorized(Role.Admin)
  @Query(() => [ModelObject])
  async models(@Ctx() { services }: GraphQLContext): Promise<ModelObject[]> {
    return (await services.models.list()).map(ModelObject.from);
  }

  @Authorized(Role.Admin)
  @Mutation(() => ModelObject)
  async createModel(
    @Arg('input', () => CreateModelInput) input: CreateModelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await services.models.create(input));
  }

  @Authorized(Role.Admin)
  @Mutation(() => ModelObject, { description: 'Partial update; CONFLICT on a duplicate name.' })
  async updateModel(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateModelInput) input: UpdateModelInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ModelObject> {
    return ModelObject.from(await services.models.update(id, input));
  }

  @Authorized(Role.Admin)
  @Mutation(() => Boolean)
  async deleteModel(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<boolean> {
    await services.models.delete(id);
    return true;
  }
}
