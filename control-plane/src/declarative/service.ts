import { assertCan, GLOBAL } from '../auth/policy.js';
import type { Actor } from '../services/audit.js';
import type { ConfigFileLoader, ConfigFileStatus } from './loader.js';

/** The config file as the API shows it: to proxy admins and proxy-admin viewers only (`config.read`). */
export class ConfigFileService {
  private loader: ConfigFileLoader | null = null;

  attach(loader: ConfigFileLoader): void {
    this.loader = loader;
  }

  /** The file's status; null when this control plane runs without a config file. */
  status(actor: Actor): ConfigFileStatus | null {
    assertCan(actor.principal, 'config.read', GLOBAL);
    return this.loader?.status() ?? null;
  }
}
