import { ConfigChange } from './config-change.entity.js';
import { Model } from './model.entity.js';
import { Setting } from './setting.entity.js';
import { SpendDaily } from './spend-daily.entity.js';
import { SpendLog } from './spend-log.entity.js';
import { Team } from './team.entity.js';
import { VirtualKey } from './virtual-key.entity.js';

export { ConfigChange, Model, Setting, SpendDaily, SpendLog, Team, VirtualKey };
export type { ConfigEntity, ConfigOp } from './config-change.entity.js';

/** Listed explicitly: no folder scanning, so the same list works from dist (JS) and under vitest (TS). */
export const entities = [Team, VirtualKey, Model, SpendLog, SpendDaily, ConfigChange, Setting];
