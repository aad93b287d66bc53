import { BigIntType, type Opt, Property } from '@mikro-orm/core';
import { money } from './columns.js';

/**
 * What every spend roll-up row sums (`spend_rollup`, `spend_daily`): requests (and of them the failed and the aborted),
 * the ledger's token counts and cost. `COUNTED` and `SUMMED` in services/usage-ingest.ts name the same columns for the
 * set-based upserts.
 */
export abstract class SpendTotals {
  @Property({ type: new BigIntType('number'), default: 0 })
  requests: Opt<number> = 0;

  /** Of `requests`, those that failed (the ledger's status `error`: refused, or the provider's error). */
  @Property({ type: new BigIntType('number'), default: 0 })
  failedRequests: Opt<number> = 0;

  /** Of `requests`, those the client abandoned before the answer ended (status `aborted`). */
  @Property({ type: new BigIntType('number'), default: 0 })
  abortedRequests: Opt<number> = 0;

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
