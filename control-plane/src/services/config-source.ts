import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ANY_END_USER, compactKeyConfig, DEFAULT_ROUTER_CONFIG, type EndUserConfig, type ConfigChangeInput, type ConfigSnapshotInput, type KeyConfigInput, type RouterConfig } from '@tollgate/schema';
import { ConfigChange, EndUser, Model, Organization, ROUTER_SETTINGS_ID, RouterSettings, Tag, Team, User, VirtualKey, type ConfigEntity } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';
import { errorMessage, type Logger } from '../logger.js';
import type { ConfigLog } from './config-log.js';
import { forEachKeyRow, KeyRowMapper, modelLimitsWithSpend } from './config-key-rows.js';
import { followsAnyEndUserSql } from './budget-period.js';
import { endUserConfig, keyConfig, modelConfig, orgConfig, tagConfig, teamConfig, type TeamMemberConfig, userConfig } from './config-mappers.js';
import { findRouterSettings, routerConfigOf } from './router-settings.js';

/**
 * End users and tags are sent only with settings (a budget or a limit; for end users also blocking or a budget tier):
 * end users are made on first sight by usage ingest, so there may be millions without any.
 */
const LIMITED = [{ maxBudget: { $ne: null } }, { softBudget: { $ne: null } }, { rpmLimit: { $ne: null } }, { tpmLimit: { $ne: null } }, { maxParallelRequests: { $ne: null } }];
const TAG_WITH_SETTINGS = { $or: LIMITED };
const END_USER_WITH_SETTINGS = { $or: [...LIMITED, { blocked: true }, { budgetTier: { $ne: null } }] };

/** An end user (budget tier populated) as sent; the query above already kept only those with settings. */
const liveEndUserConfig = (endUser: EndUser) => endUserConfig(endUser, endUser.budgetTier?.getEntity() ?? null);

/** What each end user that follows `*` spent in `*`'s period (see spendByEndUser in the schema), those that spent. */
const ANY_END_USER_FOLLOWER_SPEND = `
select t."external_id", t."spend"::float8 as "spend" from "end_user" t
 where t."spend" > 0 and ${followsAnyEndUserSql('t')} order by t."external_id"`;

/**
 * How `endUsers` are sent: as they are, and the end user `*` with a budget with the spend of the end users that
 * follow it, which data planes seed their counters with (read in the same transaction as the rest).
 */
async function endUserMapper(em: EntityManager, endUsers: readonly EndUser[]): Promise<(e: EndUser) => EndUserConfig> {
  const any = endUsers.find((e) => e.externalId === ANY_END_USER && e.maxBudget !== null);
  if (any === undefined) return liveEndUserConfig;
  const rows = await em.execute<Array<{ external_id: string; spend: number }>>(ANY_END_USER_FOLLOWER_SPEND);
  const spend = rows.map((r): [string, number] => [r.external_id, r.spend]);
  return (e) => (e === any ? endUserConfig(e, null, spend) : liveEndUserConfig(e));
}

/**
 * The members team member budgets apply to (see `TeamConfig.members`), per team: of every team when `teamIds` is
 * null, else of those. Every member of a team with member settings, and members with a budget of their own.
 */
async function teamMembersOf(em: EntityManager, teamIds: readonly string[] | null): Promise<Map<string, TeamMemberConfig[]>> {
  const rows = await em.execute<Array<{ team_id: string; user_id: string; id: string; max_budget: number | null; spend: number }>>(
    `select m."team_id", m."user_id", m."id", m."max_budget"::float8 as "max_budget", m."spend"::float8 as "spend"
       from "team_membership" m join "team" t on t."id" = m."team_id"
      where t."deleted_at" is null ${teamIds === null ? '' : `and t."id" = any(?::uuid[])`}
        and (t."member_max_budget" is not null or t."member_rpm_limit" is not null or t."member_tpm_limit" is not null or m."max_budget" is not null)
      order by m."team_id", m."user_id"`,
    teamIds === null ? [] : [`{${teamIds.join(',')}}`],
  );
  const byTeam = new Map<string, TeamMemberConfig[]>();
  for (const r of rows) {
    const members = byTeam.get(r.team_id) ?? [];
    members.push([r.user_id, r.id, r.max_budget, r.spend]);
    byTeam.set(r.team_id, members);
  }
  return byTeam;
}

/** The live entities a batch of change rows names, by kind and id. */
type Live = { [K in ConfigEntity]: Map<string, LiveEntity[K]> };
interface LiveEntity {
  model: Model;
  team: Team;
  key: VirtualKey;
  org: Organization;
  user: User;
  end_user: EndUser;
  tag: Tag;
  router: RouterSettings;
}
const byId = <E extends { id: string }>(entities: E[]) => new Map(entities.map((e) => [e.id, e]));

/** A config change paired with the version of the last change row it reflects. */
export interface VersionedChange {
  version: number;
  change: ConfigChangeInput;
}

export interface ChangeBatch {
  /** The highest change row read (the batch brings a data plane up to this version). */
  head: number;
  /** At most one change per entity, in version order. */
  changes: VersionedChange[];
  /** How many change rows were read; `rowLimit` rows means there may be more. */
  rows: number;
  /** Change rows up to this version may have been deleted by the retention job (0 or absent: none were). */
  purgedThrough?: number;
}

/** What the publisher needs to read; an interface so its delivery rules can be tested without a database. */
export interface ConfigReader {
  currentVersion(): Promise<number>;
  /** Keys come without their default fields (the wire form); everything else in full. */
  snapshot(): Promise<ConfigSnapshotInput>;
  changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch>;
}

/**
 * Reads config from PostgreSQL for the publisher. Each read runs in one REPEATABLE READ transaction, so the
 * version and the entity state it returns belong to the same moment.
 */
export class ConfigSource implements ConfigReader {
  constructor(
    private readonly orm: Orm,
    private readonly log: ConfigLog,
    private readonly logger: Logger,
  ) {}

  currentVersion(): Promise<number> {
    return this.log.currentVersion();
  }

  /** Everything live (not deleted) at one version. */
  snapshot(): Promise<ConfigSnapshotInput> {
    return this.consistentRead(async (em) => {
      const version = await this.log.currentVersion(em);
      // Sequential on purpose: one transaction is one connection, and an EntityManager is not for concurrent use.
      const models = await em.find(Model, { deletedAt: null }, { orderBy: { name: 'asc' } });
      const teams = await em.find(Team, { deletedAt: null }, { orderBy: { name: 'asc' } });
      const members = await teamMembersOf(em, null);
      const orgs = await em.find(Organization, { deletedAt: null }, { orderBy: { name: 'asc' } });
      const users = await em.find(User, { deletedAt: null }, { orderBy: { id: 'asc' } });
      const tags = await em.find(Tag, TAG_WITH_SETTINGS, { orderBy: { name: 'asc' } });
      const endUsers = await em.find(EndUser, END_USER_WITH_SETTINGS, { orderBy: { externalId: 'asc' }, populate: ['budgetTier'] });
      const endUserConfigOf = await endUserMapper(em, endUsers);
      const router = await findRouterSettings(em);
      // Keys are the bulk of a snapshot (hundreds of thousands): plain rows, not entities (see config-key-rows.ts).
      const keys: KeyConfigInput[] = [];
      const mapper = new KeyRowMapper(em);
      await forEachKeyRow(em, (row) => {
        const key = this.convert('key', row, (r) => mapper.map(r));
        if (key) keys.push(key);
      });
      return {
        version,
        generatedAt: new Date().toISOString(),
        models: this.convertAll('model', models, modelConfig),
        teams: this.convertAll('team', teams, (t) => teamConfig(t, members.get(t.id))),
        keys,
        orgs: this.convertAll('org', orgs, orgConfig),
        users: this.convertAll('user', users, userConfig),
        endUsers: this.convertAll('end_user', endUsers, endUserConfigOf),
        tags: this.convertAll('tag', tags, tagConfig),
        router: this.routerConfig(router),
      };
    });
  }

  /**
   * The changes after `afterVersion`, reading at most `rowLimit` change rows. Several rows for one entity collapse
   * into one change carrying the entity's current state and the last row's version: a data plane at any version
   * in the range needs exactly that final state. An entity deleted since (or never live) becomes a delete.
   */
  changesAfter(afterVersion: number, rowLimit: number): Promise<ChangeBatch> {
    return this.consistentRead(async (em) => {
      const rows = await em.find(
        ConfigChange,
        { version: { $gt: afterVersion } },
        { orderBy: { version: 'asc' }, limit: rowLimit },
      );
      const last = new Map<string, ConfigChange>();
      for (const row of rows) {
        const id = `${row.entity}:${row.entityId}`;
        last.delete(id); // re-insert so the map iterates in order of each entity's last change
        last.set(id, row);
      }
      const idsOf = (entity: ConfigEntity) => [...last.values()].filter((r) => r.entity === entity).map((r) => r.entityId);
      const models = await em.find(Model, { id: { $in: idsOf('model') }, deletedAt: null });
      const teams = await em.find(Team, { id: { $in: idsOf('team') }, deletedAt: null });
      const teamMembers = await teamMembersOf(em, teams.map((t) => t.id));
      const keys = await em.find(VirtualKey, { id: { $in: idsOf('key') }, deletedAt: null, keyType: 'llm_api' }, { populate: ['hash', 'previousHash'] });
      const keyModelLimits = await modelLimitsWithSpend(em, keys.map((k) => k.id));
      const orgs = await em.find(Organization, { id: { $in: idsOf('org') }, deletedAt: null });
      const users = await em.find(User, { id: { $in: idsOf('user') }, deletedAt: null });
      const endUsers = await em.find(EndUser, { id: { $in: idsOf('end_user') }, ...END_USER_WITH_SETTINGS }, { populate: ['budgetTier'] });
      const endUserConfigOf = await endUserMapper(em, endUsers);
      const tags = await em.find(Tag, { id: { $in: idsOf('tag') }, ...TAG_WITH_SETTINGS });
      const router = idsOf('router').length > 0 ? await findRouterSettings(em) : null;
      const live: Live = {
        model: byId(models),
        team: byId(teams),
        key: byId(keys),
        org: byId(orgs),
        user: byId(users),
        end_user: byId(endUsers),
        tag: byId(tags),
        router: byId(router ? [router] : []),
      };
      // Rows of entities this release does not know (written by a newer control plane during a rolling upgrade)
      // are skipped: their subscribers get them from a replica that knows them.
      const changes = [...last.values()].flatMap((row) => {
        const change = this.changeFor(row.entity, row.entityId, live, keyModelLimits, endUserConfigOf, teamMembers);
        return change ? [{ version: row.version, change }] : [];
      });
      const purgedThrough = await this.log.purgedThrough(em);
      return { head: rows.at(-1)?.version ?? afterVersion, changes, rows: rows.length, purgedThrough };
    });
  }

  /** `keyModelLimits`: per-model limits with their spend, of the keys that have per-model budgets (`modelLimitsWithSpend`). */
  private changeFor(
    entity: ConfigEntity,
    id: string,
    live: Live,
    keyModelLimits: ReadonlyMap<string, Record<string, unknown>>,
    endUserConfigOf: (e: EndUser) => EndUserConfig,
    teamMembers: ReadonlyMap<string, readonly TeamMemberConfig[]>,
  ): ConfigChangeInput | undefined {
    // An entity that fails the schema is sent as deleted: the data plane must not keep serving an older,
    // now-wrong version of it, and it cannot use the invalid one. So is one that is not (or no longer) sent at all:
    // an end user or tag without settings.
    const value = <E extends { id: string }, C>(kind: ConfigEntity, found: E | undefined, map: (e: E) => C) => found && this.convert(kind, found, map);
    switch (entity) {
      case 'model': {
        const model = value('model', live.model.get(id), modelConfig);
        return model ? { op: 'upsertModel', value: model } : { op: 'deleteModel', id };
      }
      case 'team': {
        const team = value('team', live.team.get(id), (t: Team) => teamConfig(t, teamMembers.get(t.id)));
        return team ? { op: 'upsertTeam', value: team } : { op: 'deleteTeam', id };
      }
      case 'key': {
        const key = value('key', live.key.get(id), (k) => keyConfig(k, keyModelLimits.get(k.id)));
        // Sent without default fields, like snapshot keys: the receiving parse fills them in.
        return key ? { op: 'upsertKey', value: compactKeyConfig(key) } : { op: 'deleteKey', id };
      }
      case 'org': {
        const org = value('org', live.org.get(id), orgConfig);
        return org ? { op: 'upsertOrg', value: org } : { op: 'deleteOrg', id };
      }
      case 'user': {
        const user = value('user', live.user.get(id), userConfig);
        return user ? { op: 'upsertUser', value: user } : { op: 'deleteUser', id };
      }
      case 'end_user': {
        const endUser = value('end_user', live.end_user.get(id), endUserConfigOf);
        return endUser ? { op: 'upsertEndUser', value: endUser } : { op: 'deleteEndUser', id };
      }
      case 'tag': {
        const tag = value('tag', live.tag.get(id), tagConfig);
        return tag ? { op: 'upsertTag', value: tag } : { op: 'deleteTag', id };
      }
      case 'router':
        // One row, never deleted; a row not there (yet) is every setting at its default.
        return { op: 'setRouter', value: this.routerConfig(live.router.get(ROUTER_SETTINGS_ID) ?? null) };
      default:
        return undefined;
    }
  }

  /**
   * The router settings in force. Settings that fail the schema (a row written by a release with other rules) are
   * sent as the defaults, and said loudly: data planes must get some router, and cannot use an invalid one.
   */
  private routerConfig(row: RouterSettings | null): RouterConfig {
    if (!row) return DEFAULT_ROUTER_CONFIG;
    return this.convert('router', row, routerConfigOf) ?? DEFAULT_ROUTER_CONFIG;
  }

  private convert<E extends { id: string }, C>(kind: ConfigEntity, entity: E, map: (e: E) => C): C | undefined {
    try {
      return map(entity);
    } catch (err) {
      this.logger.error('config entity fails the schema and is left out of the config', {
        kind,
        id: entity.id,
        error: errorMessage(err),
      });
      return undefined;
    }
  }

  private convertAll<E extends { id: string }, C>(kind: ConfigEntity, entities: E[], map: (e: E) => C): C[] {
    return entities.flatMap((entity) => {
      const value = this.convert(kind, entity, map);
      return value === undefined ? [] : [value];
    });
  }

  private consistentRead<T>(read: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.orm.em.fork().transactional(read, { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true });
  }
}
