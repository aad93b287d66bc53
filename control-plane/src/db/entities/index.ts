import { ConfigChange } from './config-change.entity.js';
import { JobRun } from './job-run.entity.js';
import { KeyModelSpend } from './key-model-spend.entity.js';
import { Model } from './model.entity.js';
import { ModelHealth } from './model-health.entity.js';
import { AuditEntry } from './audit-entry.entity.js';
import { BudgetAlert } from './budget-alert.entity.js';
import { BudgetTier } from './budget-tier.entity.js';
import { EndUser } from './end-user.entity.js';
import { GuardrailPolicy } from './guardrail-policy.entity.js';
import { McpServer, McpToolPermission } from './mcp-server.entity.js';
import { Tag } from './tag.entity.js';
import { Organization } from './organization.entity.js';
import { RouterSettings } from './router-settings.entity.js';
import { Session } from './session.entity.js';
import { Setting } from './setting.entity.js';
import { TeamMembership } from './team-membership.entity.js';
import { User } from './user.entity.js';
import { SpendDaily } from './spend-daily.entity.js';
import { SpendLog } from './spend-log.entity.js';
import { SpendRollup } from './spend-rollup.entity.js';
import { Team } from './team.entity.js';
import { VirtualKey } from './virtual-key.entity.js';

export { AuditEntry, BudgetAlert, BudgetTier, ConfigChange, EndUser, JobRun, KeyModelSpend, GuardrailPolicy, McpServer, McpToolPermission, Tag, Model, ModelHealth, Organization, RouterSettings, Session, Setting, SpendDaily, SpendLog, SpendRollup, Team, TeamMembership, User, VirtualKey };
export type { ConfigEntity, ConfigOp } from './config-change.entity.js';
export { ROUTER_SETTINGS_ID } from './router-settings.entity.js';
export type { JobOutcome } from './job-run.entity.js';
export type { AlertSubjectKind, AlertThreshold } from './budget-alert.entity.js';

/** Listed explicitly: no folder scanning, so the same list works from dist (JS) and under vitest (TS). */
export const entities = [Organization, User, Team, TeamMembership, Session, VirtualKey, Model, SpendLog, SpendDaily, SpendRollup, ConfigChange, Setting, AuditEntry, EndUser, BudgetTier, Tag, GuardrailPolicy, McpServer, McpToolPermission, JobRun, BudgetAlert, RouterSettings, ModelHealth, KeyModelSpend];
