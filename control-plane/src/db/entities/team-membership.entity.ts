import { Entity, Enum, ManyToOne, type Opt, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { TEAM_ROLES, type TeamRole } from '../../auth/roles.js';
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

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
