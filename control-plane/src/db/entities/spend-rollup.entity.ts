import { BigIntType, Entity, Index, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { SpendTotals } from './spend-totals.js';

/**
 * What spend can be reported by: each ingested request adds to one roll-up row per dimension. `model` is the name the
 * client asked for; `deployment` the model config that answered (after fallbacks, in a group).
 */
export const SPEND_DIMENSIONS = ['key', 'user', 'team', 'org', 'end_user', 'model', 'deployment', 'provider', 'tag'] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

/**
 * Daily spend per dimension value (a key id, a user id, a model name, a tag, …), within the organization the
 * request belonged to (`org_id`, '' for none), so org admins read their own organization's figures from the same
 * rows. Upserted once per row per ingested batch, in one set-based statement; reports read only this table.
 */
@Entity({ tableName: 'spend_rollup' })
@Unique({ name: 'spend_rollup_bucket_unique', properties: ['day', 'dimension', 'value', 'orgId'] })
@Index({ name: 'spend_rollup_report_index', properties: ['dimension', 'day'] })
@Index({ name: 'spend_rollup_org_report_index', properties: ['orgId', 'dimension', 'day'] })
// One value's spend (a key's, as a key owner's dashboard asks over all time): its rows only, not every value's.
@Index({ name: 'spend_rollup_value_index', properties: ['dimension', 'value', 'day'] })
export class SpendRollup extends SpendTotals {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'date' })
  day!: string;

  @Property({ type: 'text' })
  dimension!: string;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'text', default: '' })
  orgId: Opt<string> = '';
}
