import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { CreateUserInput, LoginInput, SetPasswordInput, UpdateUserInput } from '../inputs/admin.input.js';
import { SessionObject, UserObject } from '../types/admin.type.js';

@Resolver()
export class UserResolver {
  @Authorized()
  @Query(() => [UserObject], { description: 'The users you may see, by email.' })
  async users(
    @Arg('organizationId', () => ID, { nullable: true }) organizationId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserObject[]> {
    return (await ctx.services.users.list(actorOf(ctx), organizationId)).map(UserObject.from);
  }

  @Authorized()
  @Query(() => UserObject)
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<UserObject> {
    return UserObject.from(await ctx.services.users.get(actorOf(ctx), id));
  }

  @Authorized()
  @Mutation(() => UserObject)
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GraphQLContext): Promise<UserObject> {
    return UserObject.from(await ctx.services.users.create(actorOf(ctx), input));
  }

  @Authorized()
  @Mutation(() => UserObject)
  async updateUser(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserObject> {
    return UserObject.from(await ctx.services.users.update(actorOf(ctx), id, input));
  }

  @Authorized()
  @Mutation(() => Boolean)
  async deleteUser(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.users.delete(actorOf(ctx), id);
    return true;
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "Sets a user's dashboard password and ends their other sessions." })
  async setPassword(@Arg('input', () => SetPasswordInput) input: SetPasswordInput, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.users.setPassword(actorOf(ctx), input);
    return true;
  }

  @Mutation(() => SessionObject, { description: 'Dashboard sign-in with email and password. UNAUTHENTICATED when they do not match.' })
  async login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: GraphQLContext): Promise<SessionObject> {
    return SessionObject.from(await ctx.services.users.login(input, ctx.meta));
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the session whose token authenticates this request.' })
  async logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.users.logout(ctx.bearer, ctx.meta);
  }
}
