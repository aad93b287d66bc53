import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { KEY_TYPES, type KeyType } from '../../auth/roles.js';
import { money } from './columns.js';
import { Governed } from './governed.js';
import { Organization } from './organization.entity.js';
import { Team } from './team.entity.js';
import { User } from './user.entity.js';

export interface ModelLimit {
  rpm?: number;
  tpm?: number;
  maxBudget?: number;
}

@Entity({ tableName: 'virtual_key' })
// Key lists are pages in (created_at, id) order, narrowed by team, owner or organization, or a prefix search; each
// has an index that yields rows in that order, so a page never sorts or scans the whole table.
@Index({ name: 'virtual_key_team_page_index', properties: ['team', 'createdAt', 'id'] })
@Index({ name: 'virtual_key_owner_page_index', properties: ['owner', 'createdAt', 'id'] })
@Index({ name: 'virtual_key_organization_page_index', properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'virtual_key_page_index', properties: ['createdAt', 'id'] })
@Index({
  name: 'virtual_key_alias_search_index',
  expression: 'create index "virtual_key_alias_search_index" on "virtual_key" (lower("alias") text_pattern_ops)',
})
@Index({
  name: 'virtual_key_prefix_search_index',
  expression: 'create index "virtual_key_prefix_search_index" on "virtual_key" ("prefix" text_pattern_ops)',
})
export class VirtualKey extends Governed {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /**
   * Lower-case hex sha-256 of the key; the key itself is never stored. Hidden from serialisation and lazy so a
   * list query or an accidental `JSON.stringify` cannot leak it; only the config snapshot asks for it.
   */
  @Property({ type: 'text', unique: true, hidden: true, lazy: true })
  hash!: string;

  /** Non-secret start of the key, shown in lists so people can tell keys apart. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'text', nullable: true })
  alias: string | null = null;

  @ManyToOne({ entity: () => Team, nullable: true, ref: true, deleteRule: 'restrict' })
  team: Ref<Team> | null = null;

  /** The organization the key belongs to: its team's, or its owner's for a key without a team. */
  @ManyToOne({ entity: () => Organization, nullable: true, ref: true, deleteRule: 'restrict' })
  organization: Ref<Organization> | null = null;

  /** The user the key was made for; null for keys made with the master key for no one in particular. */
  @ManyToOne({ entity: () => User, nullable: true, ref: true, deleteRule: 'restrict' })
  owner: Ref<User> | null = null;

  /**
   * `llm_api` keys call models through the data plane; `management` keys call this API with their owner's role;
   * `read_only` keys call it with their owner's role limited to reads. Only `llm_api` keys reach data planes.
   */
  @Enum({ items: () => [...KEY_TYPES], default: 'llm_api' })
  keyType: Opt<KeyType> = 'llm_api';

  /** Model names this key may use; empty means whatever its team may use. */
  @Property({ type: ArrayType, default: '{}' })
  models: Opt<string[]> = [];



  @Property({ type: 'boolean', default: false })
  blocked: Opt<boolean> = false;

  /** Per-model limits within the key: model name → rpm/tpm/budget. */
  @Property({ type: 'json', default: '{}' })
  modelLimits: Opt<Record<string, ModelLimit>> = {};

  /** Names this key's clients may use for models: alias → model name. */
  @Property({ type: 'json', default: '{}' })
  modelAliases: Opt<Record<string, string>> = {};

  /** Free-form metadata, recorded with each request's usage. */
  @Property({ type: 'json', default: '{}' })
  metadata: Opt<Record<string, unknown>> = {};

  /** Tags recorded with each request's usage (and budgeted per tag). */
  @Property({ type: ArrayType, default: '{}' })
  tags: Opt<string[]> = [];

  /** Names of guardrail policies applied to this key's requests, on top of the global ones. */
  @Property({ type: ArrayType, default: '{}' })
  guardrails: Opt<string[]> = [];

  /** Request parameters every request must carry, e.g. `user`, `metadata.generation_name`. */
  @Property({ type: ArrayType, default: '{}' })
  enforcedParams: Opt<string[]> = [];

  /** Client addresses or CIDR ranges allowed to use the key; empty: any. */
  @Property({ type: ArrayType, default: '{}' })
  allowedIps: Opt<string[]> = [];

  /** API routes the key may call (`/v1/chat/completions`, `/v1/embeddings`, …); empty: all. */
  @Property({ type: ArrayType, default: '{}' })
  allowedRoutes: Opt<string[]> = [];

  /** A raise of `maxBudget` that lapses at `tempBudgetExpiresAt`. */
  @Property({ ...money(), nullable: true })
  tempBudgetIncrease: number | null = null;

  @Property({ type: 'datetime', nullable: true })
  tempBudgetExpiresAt: Date | null = null;

  /** Regenerate the key this often (days); null: never. */
  @Property({ type: 'integer', nullable: true })
  autoRotateDays: number | null = null;

  @Property({ type: 'datetime', nullable: true })
  rotatedAt: Date | null = null;

  /**
   * The sha-256 of the key this one replaced, still accepted until `previousHashExpiresAt` (the grace period of a
   * regeneration, so clients can move to the new key without an outage).
   */
  @Index()
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  previousHash: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  previousHashExpiresAt: Date | null = null;

  /** `file` when declared in tollgate.yaml (read-only through the API); null when made through the API. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}
