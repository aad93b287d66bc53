import type { UsageAck } from '@tollgate/schema';
import { Field, ObjectType } from 'type-graphql';

@ObjectType('RejectedUsage')
export class RejectedUsageObject {
  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => String)
  reason!: string;
}

@ObjectType('UsageAck')
export class UsageAckObject {
  @Field(() => [String], { description: 'Request ids now durable in the spend log (newly written or already there).' })
  acknowledged!: string[];

  @Field(() => [RejectedUsageObject], { description: 'Malformed events; resending them cannot help.' })
  rejected!: RejectedUsageObject[];

  static from(ack: UsageAck): UsageAckObject {
    return Object.assign(new UsageAckObject(), {
      acknowledged: ack.acknowledged,
      rejected: ack.rejected.map((r) => Object.assign(new RejectedUsageObject(), r)),
    });
  }
}
