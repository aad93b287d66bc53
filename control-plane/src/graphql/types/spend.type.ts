import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { SpendLog } from '../../db/entities/index.js';
import type { SpendUpdate } from '../../services/index.js';
import type { SpendReportRow, SpendTotals } from '../../services/spend.js';

@ObjectType('SpendLog')
export class SpendLogObject {
  @Field(() => ID)
  requestId!: string;

  @Field(() => ID)
  keyId!: string;

  @Field(() => ID, { nullable: true })
  teamId!: string | null;

  @Field(() => String)
  model!: string;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => String)
  route!: string;

  @Field(() => Boolean)
  stream!: boolean;

  @Field(() => String)
  status!: string;

  @Field(() => Int)
  httpStatus!: number;

  @Field(() => String, { nullable: true })
  errorType!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => Int)
  promptTokens!: number;

  @Field(() => Int)
  completionTokens!: number;

  @Field(() => Int)
  totalTokens!: number;

  @Field(() => Float)
  cost!: number;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Float)
  durationMs!: number;

  @Field(() => Float, { nullable: true })
  ttftMs!: number | null;

  static from(log: SpendLog): SpendLogObject {
    return Object.assign(new SpendLogObject(), {
      requestId: log.requestId,
      keyId: log.keyId,
      teamId: log.teamId,
      model: log.model,
      provider: log.provider,
      route: log.route,
      stream: log.stream,
      status: log.status,
      httpStatus: log.httpStatus,
      errorType: log.errorType,
      errorMessage: log.errorMessage,
      promptTokens: log.promptTokens,
      completionTokens: log.completionTokens,
      totalTokens: log.totalTokens,
      cost: log.cost,
      startedAt: log.startedAt,
      durationMs: log.durationMs,
      ttftMs: log.ttftMs,
    });
  }
}

@ObjectType('SpendSummary')
export class SpendSummaryObject {
  @Field(() => Float)
  totalSpend!: number;

  @Field(() => Int)
  totalRequests!: number;

  @Field(() => Int)
  totalTokens!: number;

  static from(totals: SpendTotals): SpendSummaryObject {
    return Object.assign(new SpendSummaryObject(), totals);
  }
}

@ObjectType('SpendUpdate', { description: 'All-time totals of the subscribed spend, after ingested usage changed them.' })
export class SpendUpdateObject {
  @Field(() => Float)
  totalSpend!: number;

  @Field(() => Int)
  totalRequests!: number;

  @Field(() => Int)
  totalTokens!: number;

  @Field(() => Float, { description: 'Spend added since the previous message (since subscribing, for the first).' })
  batchSpend!: number;

  @Field(() => Int, { description: 'Requests added since the previous message (since subscribing, for the first).' })
  batchRequests!: number;

  @Field(() => Date)
  at!: Date;

  static from(update: SpendUpdate): SpendUpdateObject {
    return Object.assign(new SpendUpdateObject(), update);
  }
}

@ObjectType('SpendReportRow')
export class SpendReportRowObject {
  @Field(() => String, { nullable: true, description: 'UTC day (YYYY-MM-DD) when by day; null for totals over the range.' })
  day!: string | null;

  @Field(() => String, { description: 'The key id, user id, team id, organization id, end-user id, model, provider or tag.' })
  value!: string;

  @Field(() => Float)
  requests!: number;

  @Field(() => Float, { description: 'Of requests, those that failed: refused by the gateway (limits, budgets, access) or answered with an error.' })
  failedRequests!: number;

  @Field(() => Float, { description: 'Of requests, those the client abandoned before the answer ended (their partial usage is billed).' })
  abortedRequests!: number;

  @Field(() => Float)
  promptTokens!: number;

  @Field(() => Float)
  completionTokens!: number;

  @Field(() => Float)
  totalTokens!: number;

  @Field(() => Float, { description: 'The part of promptTokens read from the provider\'s prompt cache.' })
  cacheReadTokens!: number;

  @Field(() => Float, { description: 'The part of promptTokens written to the provider\'s prompt cache.' })
  cacheWriteTokens!: number;

  @Field(() => Float, { description: 'The part of completionTokens spent reasoning.' })
  reasoningTokens!: number;

  @Field(() => Float)
  cost!: number;

  static from(row: SpendReportRow): SpendReportRowObject {
    return Object.assign(new SpendReportRowObject(), row);
  }
}
