import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import {
  McpToolPermissionInput,
  SaveBudgetTierInput,
  SaveEndUserInput,
  SaveGuardrailPolicyInput,
  SaveMcpServerInput,
  SaveTagInput,
} from '../inputs/catalog.input.js';
import {
  BudgetTierObject,
  EndUserObject,
  GuardrailPolicyObject,
  McpServerObject,
  McpToolPermissionObject,
  TagObject,
} from '../types/catalog.type.js';

/** Budget tiers, tags, guardrail policies, MCP servers and their tool permissions, end users. */
@Resolver()
export class CatalogResolver {
  @Authorized()
  @Query(() => [BudgetTierObject])
  async budgetTiers(@Ctx() ctx: GraphQLContext): Promise<BudgetTierObject[]> {
    return (await ctx.services.catalog.budgetTiers(actorOf(ctx))).map(BudgetTierObject.from);
  }

  @Authorized()
  @Mutation(() => BudgetTierObject)
  async saveBudgetTier(@Arg('input', () => SaveBudgetTierInput) input: SaveBudgetTierInput, @Ctx() ctx: GraphQLContext): Promise<BudgetTierObject> {
    return BudgetTierObject.from(await ctx.services.catalog.saveBudgetTier(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'CONFLICT while end users are on it.' })
  async deleteBudgetTier(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.catalog.deleteBudgetTier(actorOf(ctx), name);
    return true;
  }

  @Authorized()
  @Query(() => [TagObject])
  async tags(@Ctx() ctx: GraphQLContext): Promise<TagObject[]> {
    return (await ctx.services.catalog.tags(actorOf(ctx))).map(TagObject.from);
  }

  @Authorized()
  @Mutation(() => TagObject)
  async saveTag(@Arg('input', () => SaveTagInput) input: SaveTagInput, @Ctx() ctx: GraphQLContext): Promise<TagObject> {
    return TagObject.from(await ctx.services.catalog.saveTag(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteTag(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.catalog.deleteTag(actorOf(ctx), name);
    return true;
  }

  @Authorized()
  @Query(() => [GuardrailPolicyObject])
  async guardrailPolicies(@Ctx() ctx: GraphQLContext): Promise<GuardrailPolicyObject[]> {
    return (await ctx.services.catalog.guardrailPolicies(actorOf(ctx))).map(GuardrailPolicyObject.from);
  }

  @Authorized()
  @Mutation(() => GuardrailPolicyObject, { description: 'Creates or changes the policy with this name; CONFLICT for one declared in the config file. Stored only: guardrails are not enforced in this release.' })
  async saveGuardrailPolicy(@Arg('input', () => SaveGuardrailPolicyInput) input: SaveGuardrailPolicyInput, @Ctx() ctx: GraphQLContext): Promise<GuardrailPolicyObject> {
    return GuardrailPolicyObject.from(await ctx.services.catalog.saveGuardrailPolicy(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteGuardrailPolicy(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.catalog.deleteGuardrailPolicy(actorOf(ctx), name);
    return true;
  }

  @Authorized()
  @Query(() => [McpServerObject])
  async mcpServers(@Ctx() ctx: GraphQLContext): Promise<McpServerObject[]> {
    return (await ctx.services.catalog.mcpServers(actorOf(ctx))).map(McpServerObject.from);
  }

  @Authorized()
  @Mutation(() => McpServerObject, { description: 'Creates or changes the server with this name; CONFLICT for one declared in the config file. Stored only: the MCP gateway is not served in this release.' })
  async saveMcpServer(@Arg('input', () => SaveMcpServerInput) input: SaveMcpServerInput, @Ctx() ctx: GraphQLContext): Promise<McpServerObject> {
    return McpServerObject.from(await ctx.services.catalog.saveMcpServer(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Also removes its tool permissions.' })
  async deleteMcpServer(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.catalog.deleteMcpServer(actorOf(ctx), name);
    return true;
  }

  @Authorized()
  @Query(() => [McpToolPermissionObject])
  async mcpToolPermissions(@Arg('serverId', () => ID) serverId: string, @Ctx() ctx: GraphQLContext): Promise<McpToolPermissionObject[]> {
    return (await ctx.services.catalog.mcpToolPermissions(actorOf(ctx), serverId)).map(McpToolPermissionObject.from);
  }

  @Authorized()
  @Mutation(() => McpToolPermissionObject, { description: "Lets an organization, team or key use a server's tools; replaces an earlier grant to the same subject." })
  async setMcpToolPermission(@Arg('input', () => McpToolPermissionInput) input: McpToolPermissionInput, @Ctx() ctx: GraphQLContext): Promise<McpToolPermissionObject> {
    return McpToolPermissionObject.from(await ctx.services.catalog.setMcpToolPermission(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async removeMcpToolPermission(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.catalog.removeMcpToolPermission(actorOf(ctx), id);
    return true;
  }

  @Authorized()
  @Query(() => [EndUserObject], { description: 'By external id (search is a prefix of it), or the biggest spenders first.' })
  async endUsers(
    @Arg('search', () => String, { nullable: true }) search: string | null | undefined,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Ctx() ctx: GraphQLContext,
    @Arg('orderBy', () => String, {
      defaultValue: 'externalId',
      description: 'externalId (A to Z), or spend: the most spent in the current budget period first (for end users that follow the end user *, its period).',
    })
    orderBy: string,
  ): Promise<EndUserObject[]> {
    return (await ctx.services.catalog.endUsers(actorOf(ctx), search, first, orderBy)).map(EndUserObject.from);
  }

  @Authorized()
  @Mutation(() => EndUserObject)
  async saveEndUser(@Arg('input', () => SaveEndUserInput) input: SaveEndUserInput, @Ctx() ctx: GraphQLContext): Promise<EndUserObject> {
    return EndUserObject.from(await ctx.services.catalog.saveEndUser(actorOf(ctx), input));
  }
}
