/** Names shared by every package: headers, routes, defaults. Kept here so no package hard-codes another's. */
export const DEFAULT_DATA_PLANE_PORT = 4000;
export const DEFAULT_CONTROL_PLANE_PORT = 4001;
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

/**
 * Node flags the data plane runs with (the launcher, the tests' and the benchmark's processes; the Dockerfile and
 * docker-compose.yml repeat them): a 4 MB young-generation semi-space keeps peak memory near 120 MB under load
 * (16 MB, Node's default, reaches about 165 MB) at no measurable cost in throughput (docs/performance.md).
 */
export const DATA_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
export const GRAPHQL_PATH = '/graphql';
export const DASHBOARD_PATH = '/ui';
/** Prefix of every virtual key Tollgate issues. */
export const VIRTUAL_KEY_PREFIX = 'sk-tg-';
/** Prefix of generated master keys. */
export const MASTER_KEY_PREFIX = 'sk-tg-master-';
/** Number of characters of a key kept as its non-secret display prefix. */
export const KEY_DISPLAY_PREFIX_LENGTH = 10;
/** Response header naming the request id, also the usage event's id. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** Response header carrying the config version that served a request. */
export const CONFIG_VERSION_HEADER = 'x-tollgate-config-version';
