import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { TeamMemberInput, UpdateTeamInput } from '../inputs/admin.input.js';
import { CreateTeamInput } from '../inputs/create-team.input.js';
import { TeamMemberObject } from '../types/admin.type.js';
import { TeamObject } from '../types/team.type.js';

@Resolver()
export class TeamResolver {
  @Authorized()
  @Query(() => [TeamObject], { description: 'The teams you may see, by name.' })
  async teams(@Ctx() ctx: GraphQLContext): Promise<TeamObject[]> {
    return (await ctx.services.teams.list(actorOf(ctx))).map(TeamObject.from);
  }

  @Authorized()
  @Query(() => [TeamMemberObject])
  async teamMembers(@Arg('teamId', () => ID) teamId: string, @Ctx() ctx: GraphQLContext): Promise<TeamMemberObject[]> {
    return (await ctx.services.teams.members(actorOf(ctx), teamId)).map(TeamMemberObject.from);
  }

  @Authorized()
  @Mutation(() => TeamObject)
  async createTeam(@Arg('input', () => CreateTeamInput) input: CreateTeamInput, @Ctx() ctx: GraphQLContext): Promise<TeamObject> {
    return TeamObject.from(await ctx.services.teams.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => TeamObject, { description: "Changes a team's name, models, budgets and limits, or blocked state (org and proxy admins; not the team's own admins)." })
  async updateTeam(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateTeamInput) input: UpdateTeamInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TeamObject> {
    return TeamObject.from(await ctx.services.teams.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteTeam(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.teams.delete(actorOf(ctx), id);
    return true;
  }

  @Authorized()
  @Mutation(() => TeamMemberObject, { description: "Adds a user of the team's organization to the team, or changes their team role." })
  async setTeamMember(@Arg('input', () => TeamMemberInput) input: TeamMemberInput, @Ctx() ctx: GraphQLContext): Promise<TeamMemberObject> {
    return TeamMemberObject.from(await ctx.services.teams.setMember(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async removeTeamMember(@Arg('teamId', () => ID) teamId: string, @Arg('userId', () => ID) userId: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.teams.removeMember(actorOf(ctx), teamId, userId);
    return true;
  }
}
