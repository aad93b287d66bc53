import { displayPrefix, generateSecret, hashKey } from '@tollgate/schema';
import { Team, VirtualKey } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { notFound } from '../errors.js';
import { isUuid, parseInput } from '../validation.js';
import type { ConfigLog } from './config-log.js';
import { CreateKeyInput } from './inputs.js';
import { liveKeyCounts, type TeamWithKeyCount } from './teams.js';

export interface KeyWithTeam {
  key: VirtualKey;
  team: TeamWithKeyCount | null;
}

export interface CreatedKey extends KeyWithTeam {
  /** The key itself. Returned by `create` only; the database keeps its sha-256. */
  plaintext: string;
}

export class KeyService {
  constructor(
    private readonly orm: Orm,
    private readonly configLog: ConfigLog,
  ) {}

  /** Live keys, newest first, optionally of one team. */
  async list(teamId?: string | null): Promise<KeyWithTeam[]> {
    if (teamId != null && !isUuid(teamId)) return [];
    const em = this.orm.em.fork();
    const keys = await em.find(
      VirtualKey,
      teamId != null ? { team: teamId, deletedAt: null } : { deletedAt: null },
      { populate: ['team'], orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    const teamIds = [...new Set(keys.flatMap((k) => (k.team ? [k.team.id] : [])))];
    const counts = await liveKeyCounts(em, teamIds);
    return keys.map((key) => {
      const team = key.team?.getEntity();
      return { key, team: team ? { team, keyCount: counts.get(team.id) ?? 0 } : null };
    });
  }

  async create(rawInput: unknown): Promise<CreatedKey> {
    const input = parseInput(CreateKeyInput, rawInput);
    const plaintext = generateSecret();
    const created = await this.configLog.change(async (em, record) => {
      let team: Team | null = null;
      if (input.teamId !== null) {
        team = isUuid(input.teamId) ? await em.findOne(Team, { id: input.teamId, deletedAt: null }) : null;
        if (!team) throw notFound('Team');
      }
      const key = em.create(VirtualKey, {
        hash: hashKey(plaintext),
        prefix: displayPrefix(plaintext),
        alias: input.alias,
        team,
        models: input.models,
        maxBudget: input.maxBudget,
      });
      record('key', key.id, 'upsert');
      return { key, team };
    });
    let team: TeamWithKeyCount | null = null;
    if (created.team) {
      const counts = await liveKeyCounts(this.orm.em.fork(), [created.team.id]);
      team = { team: created.team, keyCount: counts.get(created.team.id) ?? 0 };
    }
    return { plaintext, key: created.key, team };
  }

  /** Soft-deletes a key; data planes drop it with the next delta. Its spend log rows stay. */
  async delete(id: string): Promise<void> {
    if (!isUuid(id)) throw notFound('Key');
    await this.configLog.change(async (em, record) => {
      const key = await em.findOne(VirtualKey, { id, deletedAt: null });
      if (!key) throw notFound('Key');
      key.deletedAt = new Date();
      record('key', key.id, 'delete');
    });
  }
}
