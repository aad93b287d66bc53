import type { EntityManager } from '@mikro-orm/postgresql';
import { Team, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { conflict, notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import type { ConfigLog } from './config-log.js';
import { CreateTeamInput } from './inputs.js';
import { onUniqueViolation } from './unique-violation.js';

export interface TeamWithKeyCount {
  team: Team;
  keyCount: number;
}

const duplicateName = () => conflict('A team with this name already exists.');

export class TeamService {
  constructor(
    private readonly orm: Orm,
    private readonly configLog: ConfigLog,
  ) {}

  async list(): Promise<TeamWithKeyCount[]> {
    const em = this.orm.em.fork();
    const teams = await em.find(Team, { deletedAt: null }, { orderBy: { name: 'asc' } });
    const counts = await liveKeyCounts(em, teams.map((t) => t.id));
    return teams.map((team) => ({ team, keyCount: counts.get(team.id) ?? 0 }));
  }

  async create(rawInput: unknown): Promise<TeamWithKeyCount> {
    const input = parseInput(CreateTeamInput, rawInput);
    const team = await onUniqueViolation(
      () =>
        this.configLog.change(async (em, record) => {
          // Checked under the config lock, so two concurrent creates cannot both pass.
          if (await em.count(Team, { name: input.name, deletedAt: null })) throw duplicateName();
          const team = em.create(Team, { name: input.name, models: input.models, maxBudget: input.maxBudget });
          record('team', team.id, 'upsert');
          return team;
        }),
      duplicateName,
    );
    return { team, keyCount: 0 };
  }

  /** Soft-deletes a team; refused while it still has live keys, so no key is left pointing at a deleted team. */
  async delete(id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('Team');
    await this.configLog.change(async (em, record) => {
      const team = await em.findOne(Team, { id, deletedAt: null });
      if (!team) throw notFound('Team');
      if (await em.count(VirtualKey, { team: id, deletedAt: null })) {
        throw conflict('The team still has keys; delete them first.');
      }
      team.deletedAt = new Date();
      record('team', team.id, 'delete');
    });
  }
}

/** Live key counts for the given teams, in one query. */
export async function liveKeyCounts(em: EntityManager, teamIds: string[]): Promise<Map<string, number>> {
  if (teamIds.length === 0) return new Map();
  const rows = await em.execute<{ team_id: string; count: string }[]>(
    `select "team_id", count(*) as "count" from "virtual_key"
      where "deleted_at" is null and "team_id" = any(?::uuid[]) group by "team_id"`,
    [`{${teamIds.join(',')}}`],
  );
  return new Map(rows.map((r) => [r.team_id, Number(r.count)]));
}
