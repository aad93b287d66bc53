/** Declarative config: tollgate.yaml or LiteLLM's config.yaml, applied to the database and kept applied. */
export { ConfigFileLoader, type ConfigFileStatus, type ConfigFileLoaderOptions } from './loader.js';
export { ConfigFileService } from './service.js';
export { masterKeyFallback } from './master-key.js';
export { parseConfigText, type ParseResult } from './parse.js';
export { resolveSecrets } from './resolve.js';
export { applyConfig, ApplyError, CONFIG_KINDS, FILE_MANAGED, type ApplyReport, type ConfigKind, type KindCount } from './apply.js';
export type { ConfigProblem } from './problems.js';
export type { FileWatchOptions } from './watch.js';
