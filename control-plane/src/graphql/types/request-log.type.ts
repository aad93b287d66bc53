import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { RequestLogEntry, RequestLogPage } from '../../services/request-log.js';

@ObjectType('RequestLogEntry', { description: 'One request as the ledger recorded it.' })
export class RequestLogEntryObject {
  @Field(() => String)
  requestId!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => String, { description: 'success, error or aborted.' })
  status!: string;

  @Field(() => Int)
  httpStatus!: number;

  @Field(() => String, { description: 'The model name the client asked for.' })
  model!: string;

  @Field(() => String, { nullable: true, description: 'The deployment that served it.' })
  modelId!: string | null;

  @Field(() => String, { nullable: true })
  provider!: string | null;

  @Field(() => String)
  route!: string;

  @Field(() => Boolean)
  stream!: boolean;

  @Field(() => ID)
  keyId!: string;

  @Field(() => String, { nullable: true, description: "The key's alias, else its prefix (null for a key deleted for good, or an id that names no key)." })
  keyLabel: string | null = null;

  @Field(() => ID, { nullable: true })
  teamId!: string | null;

  @Field(() => ID, { nullable: true, description: "The key's owner when the request was made." })
  userId!: string | null;

  @Field(() => ID, { nullable: true })
  orgId!: string | null;

  @Field(() => String, { nullable: true })
  endUser!: string | null;

  @Field(() => Int, { description: 'All input tokens, cache reads and writes included.' })
  promptTokens!: number;

  @Field(() => Int, { description: 'All output tokens, reasoning included.' })
  completionTokens!: number;

  @Field(() => Int)
  totalTokens!: number;

  @Field(() => Int)
  cacheReadTokens!: number;

  @Field(() => Int)
  cacheWriteTokens!: number;

  @Field(() => Int)
  reasoningTokens!: number;

  @Field(() => Boolean, { description: 'The provider reported no usage; the gateway counted the tokens.' })
  estimated!: boolean;

  @Field(() => String, { description: 'USD as a decimal string with 12 places, exactly as recorded.' })
  cost!: string;

  @Field(() => Float)
  durationMs!: number;

  @Field(() => Float, { nullable: true })
  ttftMs!: number | null;

  @Field(() => String, { nullable: true })
  errorType!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => [String])
  tags!: string[];

  @Field(() => String)
  dataPlaneId!: string;

  static from(entry: RequestLogEntry): RequestLogEntryObject {
    return Object.assign(new RequestLogEntryObject(), entry);
  }
}

@ObjectType('RequestLogPage')
export class RequestLogPageObject {
  @Field(() => [RequestLogEntryObject], { description: 'Newest first.' })
  entries!: RequestLogEntryObject[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: RequestLogPage): RequestLogPageObject {
    return Object.assign(new RequestLogPageObject(), { entries: page.entries.map(RequestLogEntryObject.from), endCursor: page.endCursor, hasNextPage: page.hasNextPage });
  }
}
