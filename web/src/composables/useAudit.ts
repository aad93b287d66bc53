/**
 * The audit log: newest first, filtered by action and entity type, one page at a time ("load more" follows the
 * server's cursor). Changing a filter or refreshing starts again from the newest entry; an answer for an older
 * filter or an earlier refresh is dropped.
 */
import { reactive, readonly, ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { AuditLogQuery, type AuditEntry, type AuditLogFilter } from '../api/operations';
import { errorMessage } from './forms';

export const AUDIT_PAGE_SIZE = 25;

/** The actions the control plane records, for the filter (the server accepts any string). */
export const AUDIT_ACTIONS = [
  'org.create',
  'org.update',
  'org.delete',
  'team.create',
  'team.update',
  'team.delete',
  'team.member.set',
  'team.member.remove',
  'user.create',
  'user.update',
  'user.delete',
  'user.set_password',
  'user.login',
  'user.login_failed',
  'user.logout',
  'key.create',
  'key.update',
  'key.delete',
  'key.regenerate',
  'key.auto_rotate',
  'key.lapse',
  'model.create',
  'model.update',
  'model.delete',
  'model.check',
  'router.update',
  'budget.reset',
  'budget_tier.create',
  'budget_tier.update',
  'budget_tier.delete',
  'tag.create',
  'tag.update',
  'tag.delete',
  'guardrail.create',
  'guardrail.update',
  'guardrail.delete',
  'mcp_server.create',
  'mcp_server.update',
  'mcp_server.delete',
  'mcp_permission.set',
  'mcp_permission.remove',
  'end_user.create',
  'end_user.update',
  'master_key.update',
  /** A change the caller's role does not allow, refused (`after.action` names it). */
  'access.denied',
] as const;

export const AUDIT_ENTITY_TYPES = [
  'organization',
  'team',
  'user',
  'key',
  'model',
  'router_settings',
  'budget_tier',
  'tag',
  'guardrail_policy',
  'mcp_server',
  'end_user',
  'master_key',
  'governance',
] as const;

/** What the filter controls hold: '' means any. */
export interface AuditFilterValues {
  action: string;
  entityType: string;
}

export function toAuditLogFilter(values: AuditFilterValues): AuditLogFilter | null {
  const filter: AuditLogFilter = {
    ...(values.action !== '' ? { action: values.action } : {}),
    ...(values.entityType !== '' ? { entityType: values.entityType } : {}),
  };
  return Object.keys(filter).length > 0 ? filter : null;
}

export interface UseAuditOptions {
  /** Load the first page right away (default true). */
  immediate?: boolean;
  pageSize?: number;
}

export function useAudit(options: UseAuditOptions = {}) {
  const pageSize = options.pageSize ?? AUDIT_PAGE_SIZE;
  const entries = shallowRef<AuditEntry[]>([]);
  const filter = reactive<AuditFilterValues>({ action: '', entityType: '' });
  const hasNextPage = ref(false);
  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref<string | null>(null);
  let endCursor: string | null = null;
  let generation = 0;

  async function fetchPage(after: string | null) {
    return (await graphql(AuditLogQuery, { filter: toAuditLogFilter(filter), first: pageSize, after })).auditLog;
  }

  /** Loads the newest page for the current filter, replacing what is shown. */
  async function refresh(): Promise<void> {
    const current = ++generation;
    loading.value = true;
    loadingMore.value = false;
    try {
      const page = await fetchPage(null);
      if (current !== generation) return;
      entries.value = page.entries;
      endCursor = page.endCursor;
      hasNextPage.value = page.hasNextPage;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loading.value = false;
    }
  }

  /** Appends the next (older) page. */
  async function loadMore(): Promise<void> {
    if (!hasNextPage.value || endCursor === null || loadingMore.value || loading.value) return;
    const current = generation;
    loadingMore.value = true;
    try {
      const page = await fetchPage(endCursor);
      if (current !== generation) return;
      const seen = new Set(entries.value.map((entry) => entry.id));
      entries.value = [...entries.value, ...page.entries.filter((entry) => !seen.has(entry.id))];
      endCursor = page.endCursor;
      hasNextPage.value = page.hasNextPage;
      error.value = null;
    } catch (caught) {
      if (current === generation) error.value = errorMessage(caught);
    } finally {
      if (current === generation) loadingMore.value = false;
    }
  }

  /** Changes the filter and starts again from the newest matching entry. */
  function setFilter(next: Partial<AuditFilterValues>): Promise<void> {
    Object.assign(filter, next);
    return refresh();
  }

  if (options.immediate ?? true) void refresh();

  return {
    entries: entries as Readonly<Ref<AuditEntry[]>>,
    filter: readonly(filter),
    hasNextPage: hasNextPage as Readonly<Ref<boolean>>,
    loading: loading as Readonly<Ref<boolean>>,
    loadingMore: loadingMore as Readonly<Ref<boolean>>,
    error: error as Readonly<Ref<string | null>>,
    refresh,
    loadMore,
    setFilter,
  };
}

export type AuditStore = ReturnType<typeof useAudit>;
