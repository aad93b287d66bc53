import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { can } from '../../auth/policy.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { KeyFilter, RegenerateKeyInput, UpdateKeyInput } from '../inputs/admin.input.js';
import { CreateKeyInput } from '../inputs/create-key.input.js';
import { CreatedKeyObject, KeyPageObject, VirtualKeyObject } from '../types/virtual-key.type.js';

@Resolver()
export class KeyResolver {
  @Authorized()
  @Query(() => [VirtualKeyObject], { description: 'The keys you may see, newest first.' })
  async keys(@Arg('teamId', () => ID, { nullable: true }) teamId: string | null | undefined, @Ctx() ctx: GraphQLContext): Promise<VirtualKeyObject[]> {
    return (await ctx.services.keys.list(actorOf(ctx), teamId)).map(VirtualKeyObject.from);
  }

  @Authorized()
  @Query(() => KeyPageObject, { description: 'The keys you may see, newest first, filtered, in pages (first 1..500, after = endCursor).' })
  async keyPage(
    @Arg('filter', () => KeyFilter, { nullable: true }) filter: KeyFilter | null | undefined,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<KeyPageObject> {
    return KeyPageObject.from(await ctx.services.keys.page(actorOf(ctx), { ...filter, first, after }));
  }

  @Authorized()
  @Mutation(() => CreatedKeyObject)
  async createKey(@Arg('input', () => CreateKeyInput) input: CreateKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreatedKeyObject> {
    return CreatedKeyObject.from(await ctx.services.keys.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => VirtualKeyObject, { description: 'Block, unblock, rename, re-budget or re-scope a key; data planes apply it within a second.' })
  async updateKey(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateKeyInput) input: UpdateKeyInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<VirtualKeyObject> {
    return VirtualKeyObject.from(await ctx.services.keys.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => CreatedKeyObject, { description: 'A new secret for the key (shown once); the old one works for the grace period.' })
  async regenerateKey(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => RegenerateKeyInput, { nullable: true }) input: RegenerateKeyInput | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedKeyObject> {
    return CreatedKeyObject.from(await ctx.services.keys.regenerate(actorOf(ctx), id, input ?? {}));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.keys.delete(actorOf(ctx), id);
    return true;
  }
}

@Resolver(() => VirtualKeyObject)
export class VirtualKeyFieldsResolver {
  @FieldResolver(() => Boolean, {
    description:
      "Whether you may change everything on the key (budgets, limits, models, unblocking it), not only what an owner may (its alias, metadata, blocking it), so a client offers only what the API accepts.",
  })
  viewerCanGovern(@Root() key: VirtualKeyObject, @Ctx() ctx: GraphQLContext): boolean {
    if (ctx.principal === null) return false;
    return can(ctx.principal, 'key.govern', { orgId: key.organizationId, teamId: key.teamId, ownerId: key.ownerId, id: key.id });
  }
}
