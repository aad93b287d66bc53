import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import type { GraphQLContext } from '../context.js';
import { CreateTeamInput } from '../inputs/create-team.input.js';
import { TeamObject } from '../types/team.type.js';

@Resolver()
export class TeamResolver {
  @Authorized(Role.Admin)
  @Query(() => [TeamObject])
  async teams(@Ctx() { services }: GraphQLContext): Promise<TeamObject[]> {
    return (await services.teams.list()).map(TeamObject.from);
  }

  @Authorized(Role.Admin)
  @Mutation(() => TeamObject)
  async createTeam(
    @Arg('input', () => CreateTeamInput) input: CreateTeamInput,
    @Ctx() { services }: GraphQLContext,
  ): Promise<TeamObject> {
    return TeamObject.from(await services.teams.create(input));
  }

  @Authorized(Role.Admin)
  @Mutation(() => Boolean)
  async deleteTeam(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<boolean> {
    await services.teams.delete(id);
    return true;
  }
}
