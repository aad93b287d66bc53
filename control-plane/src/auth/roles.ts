/**
 * The two kinds of caller. They never overlap: the data-plane credential is refused for admin operations and
 * the master key for data-plane operations, so a leaked data-plane token cannot administer the gateway.
 */
export const Role = {
  /** The master key: full administration. */
  Admin: 'proxy_admin',
  /** The data-plane credential: config subscription and usage ingest only. */
  DataPlane: 'data_plane',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface Principal {
  readonly role: Role;
}
