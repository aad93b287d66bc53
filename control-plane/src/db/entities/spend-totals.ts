import { BigIntType, type Opt, Property } from '@mikro-orm/core';
import { money } from './columns.js';

/**
 * What every spend roll-up row sums (`spend_rollup`, `spend_daily`): requests, the ledger's token counts and cost.
 * `SUMMED` in services/usage-ingest.ts names the same columns for the set-based upserts.
 */
export abstract class SpendTotals {
  @Property({ type: new BigIntType('number'), default: 0 })
  requests: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  promptTokens: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  completionTokens: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  totalTokens: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  cacheReadTokens: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  cacheWriteTokens: Opt<number> = 0;

  @Property({ type: new BigIntType('number'), default: 0 })
  reasoningTokens: Opt<number> = 0;

  @Property({ ...money(), default: 0 })
  cost: Opt<number> = 0;
}
