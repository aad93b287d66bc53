import { hashKey } from '@tollgate/schema';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MASTER_KEY_SETTING } from '../auth/master-key.js';
import { Setting } from '../db/entities/index.js';

/**
 * The master key to go back to when the config file stops setting one: TOLLGATE_MASTER_KEY, else the stored hash
 * of the generated one. Null when there is neither (the file set the key from the first start): the file's last
 * key then stays until a restart, which generates one.
 */
export async function masterKeyFallback(em: EntityManager, configured: string | undefined): Promise<string | null> {
  if (configured) return hashKey(configured);
  const stored = await em.findOne(Setting, { key: MASTER_KEY_SETTING });
  return stored?.value ?? null;
}
