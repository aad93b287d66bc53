import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { GraphQLContext } from '../context.js';
import { CreateKeyInput } from '../inputs/create-key.input.js';
import { CreatedKeyObject, VirtualKeyObject } from '../types/virtual-key.type.js';

@Resolver()
export class KeyResolver {
  @Authorized(Role.Admin)
  @Query(() => [VirtualKeyObject], { description: 'Newest first.' })
  async keys(
    @Arg('teamId', () => ID, { nullable: true }) teamId: string | null | undefined,
    @Ctx() { services }: GraphQLContext,
  ): Promise<VirtualKeyObject[]> {
    return (await services.keys.list(teamId)).map(VirtualKeyObject.from);
  }

  @Authorized(Role.Admin)
  @Mutation(() => CreatedKeyObject)
  async createKey(
    @Arg('input', () => CreateKeyInput) input: CreateKeyInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<CreatedKeyObject> {
    return CreatedKeyObject.from(await services.keys.create(input));
  }

  @Authorized(Role.Admin)
  @Mutation(() => Boolean)
  async deleteKey(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<boolean> {
    await services.keys.delete(id);
    return true;
  }
}
