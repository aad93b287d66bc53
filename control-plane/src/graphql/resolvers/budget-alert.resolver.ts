import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { actorOf, type GraphQLContext } from '../context.js';
import { BudgetAlertFilter } from '../inputs/spend.input.js';
import { BudgetAlertPageObject } from '../types/budget-alert.type.js';

@Resolver()
export class BudgetAlertResolver {
  @Authorized()
  @Query(() => BudgetAlertPageObject, {
    description: 'Budgets reached, newest first, within the spend the caller may see; keyset-paginated (first 1..500, after = endCursor).',
  })
  async budgetAlerts(
    @Arg('filter', () => BudgetAlertFilter, { nullable: true }) filter: BudgetAlertFilter | null | undefined,
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BudgetAlertPageObject> {
    return BudgetAlertPageObject.from(await ctx.services.budgetAlerts.list(actorOf(ctx), { ...filter, first, after }));
  }
}
