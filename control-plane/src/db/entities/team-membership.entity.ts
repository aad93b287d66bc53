import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, type Opt, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { TEAM_ROLES, type TeamRole } from '../../auth/roles.js';
import { money } from './columns.js';
import { Team } from './team.entity.js';
import { User } from './user.entity.js';

/** A user's place in a team: team admins manage the team's members and keys, members use the team's keys. */
@Entity({ tableName: 'team_membership' })
export class TeamMembership {
  [PrimaryKeyProp]?: ['team', 'user'];

  @ManyToOne({ entity: () => Team, primary: true, ref: true, deleteRule: 'cascade' })
  team!: Ref<Team>;

  @ManyToOne({ entity: () => User, primary: true, ref: true, deleteRule: 'cascade', index: true })
  user!: Ref<User>;

  @Enum({ items: () => [...TEAM_ROLES] })
  role!: TeamRole;

  /** How data planes, budget alerts and refusals name the member as a governed subject (a team member budget). */
  @Property({ type: 'uuid', unique: 'team_membership_id_unique', defaultRaw: 'gen_random_uuid()' })
  id: Opt<string> = randomUUID();

  /** The member's own hard budget in the team, over the team's `memberMaxBudget`; null: the team's. */
  @Property({ ...money(), nullable: true })
  maxBudget: number | null = null;

  /** What the member spent through the team's keys they own, in the team's current budget period. */
  @Property({ ...money(), default: 0 })
  spend: Opt<number> = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
