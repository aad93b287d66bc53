import type { RuntimeConfig } from '../config/runtime.js';
import type { ConfigStore } from '../config/store.js';
import type { Exchange } from '../http/exchange.js';
import { errors } from '../http/errors.js';
import { versionText } from '../http/server.js';

/**
 * The config this request is served with, taken once: a config swap mid-request does not change its answers.
 * Stamps the version on the response; 503 before the first snapshot.
 */
export function requireConfig(store: ConfigStore, ex: Exchange): RuntimeConfig {
  const config = store.current;
  if (config === null) throw errors.notReady();
  ex.configVersion = versionText(config.version);
  return config;
}
