import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '../../auth/roles.js';
import { actorOf, type GraphQLContext } from '../context.js';
import { ModelHealthInput } from '../inputs/model-health.input.js';
import { ModelHealthObject } from '../types/model-health.type.js';
import { ModelObject } from '../types/model.type.js';

@Resolver(() => ModelObject)
export class ModelHealthResolver {
  @Authorized()
  @Mutation(() => [ModelHealthObject], {
    description:
      'Has the connected data planes check deployments now (modelIds, at most 100; left out: every deployment) with the smallest real request each: real provider calls, made by every data plane that runs health checks. Returns the first data plane to answer; every answer is stored (modelHealth). UNAVAILABLE when no data plane runs health checks, or none answers within 35 s. Proxy admins only; audited.',
  })
  async checkModelHealth(
    @Arg('modelIds', () => [ID], { nullable: true }) modelIds: string[] | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelHealthObject[]> {
    return (await ctx.services.modelHealth.check(actorOf(ctx), modelIds ?? null)).map(ModelHealthObject.from);
  }

  @Authorized(Role.DataPlane)
  @Mutation(() => Int, { description: 'A data plane reports health checks (requestId: the checkModelHealth request answered; null: periodic). Returns how many were stored.' })
  async reportModelHealth(
    @Arg('requestId', () => ID, { nullable: true }) requestId: string | null | undefined,
    @Arg('results', () => [ModelHealthInput]) results: ModelHealthInput[],
    @Ctx() { services }: GraphQLContext,
  ): Promise<number> {
    // Into the shared contract's shape (an ISO time), which the service validates.
    const plain = results.map((r) => ({ ...r, error: r.error ?? null, checkedAt: r.checkedAt.toISOString() }));
    return services.modelHealth.report(requestId ?? null, plain);
  }

  @Authorized()
  @Query(() => [ModelHealthObject], { description: "The latest health check of every live deployment (modelId: one deployment's) by each data plane that checked it." })
  async modelHealth(
    @Arg('modelId', () => ID, { nullable: true }) modelId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelHealthObject[]> {
    return (await ctx.services.modelHealth.list(actorOf(ctx), modelId ?? null)).map(ModelHealthObject.from);
  }

  @FieldResolver(() => [ModelHealthObject], { description: "The deployment's latest health check by each data plane that checked it (see modelHealth)." })
  async health(@Root() model: ModelObject, @Ctx() ctx: GraphQLContext): Promise<ModelHealthObject[]> {
    return (await ctx.services.modelHealth.forModel(actorOf(ctx), ctx, model.id)).map(ModelHealthObject.from);
  }
}
