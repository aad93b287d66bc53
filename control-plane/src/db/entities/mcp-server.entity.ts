import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';

export const MCP_TRANSPORTS = ['streamable_http', 'sse'] as const;
export type McpTransport = (typeof MCP_TRANSPORTS)[number];

/**
 * An upstream MCP server the gateway exposes to its clients (behaviour comes with the MCP gateway issue). Its
 * credential is a secret reference, like a model's. Which keys, teams or organizations may use which of its tools
 * is in `McpToolPermission`.
 */
@Entity({ tableName: 'mcp_server' })
@Unique({
  name: 'mcp_server_name_live_unique',
  expression: 'create unique index "mcp_server_name_live_unique" on "mcp_server" ("name") where "deleted_at" is null',
})
export class McpServer {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Prefix of its tools as clients see them (`github__create_issue`). */
  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  url!: string;

  @Enum({ items: () => [...MCP_TRANSPORTS], default: 'streamable_http' })
  transport: Opt<McpTransport> = 'streamable_http';

  /** `env:NAME` or `file:/path` holding the bearer token sent upstream; never the token. */
  @Property({ type: 'text', nullable: true })
  authRef: string | null = null;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  /** `file` when declared in tollgate.yaml (read-only through the API); null when made through the API. */
  @Property({ type: 'text', nullable: true })
  managedBy: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'datetime', nullable: true })
  deletedAt: Date | null = null;
}

export const MCP_SUBJECTS = ['org', 'team', 'key'] as const;
export type McpSubject = (typeof MCP_SUBJECTS)[number];

/** Who may call which tools of an MCP server: an organization, a team or a key; `tools` empty means all. */
@Entity({ tableName: 'mcp_tool_permission' })
@Unique({ properties: ['server', 'subjectType', 'subjectId'] })
export class McpToolPermission {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Index()
  @ManyToOne({ entity: () => McpServer, ref: true, deleteRule: 'cascade' })
  server!: Ref<McpServer>;

  @Enum({ items: () => [...MCP_SUBJECTS] })
  subjectType!: McpSubject;

  @Property({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: ArrayType, default: '{}' })
  tools: Opt<string[]> = [];
}
