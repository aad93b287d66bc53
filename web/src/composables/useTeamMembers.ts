/**
 * The members of one team at a time (the one opened in the teams list): the list, the users who could be added
 * (the `users` of the team's organization that the caller may see), adding, changing a team role or a member's own
 * budget, and removing. Role changes and removals show at once and are rolled back if the server refuses.
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  RemoveTeamMemberMutation,
  SetTeamMemberMutation,
  TeamMembersQuery,
  UsersQuery,
  type Team,
  type TeamMember,
  type TeamRole,
  type User,
} from '../api/operations';
import { errorMessage, invalidField, parseBudget, toFormError, type FormError, type NumberInputValue } from './forms';

/** What the add-member form holds. */
export interface MemberFormValues {
  /** A user id, or '' when none was picked. */
  userId: string;
  role: TeamRole;
}

/** A failed change of one member's budget: what the form or the server said, shown at that member's row. */
export interface MemberBudgetError {
  userId: string;
  error: FormError;
}

/** A member's own budget as typed: an amount, or blank for none of their own (the team's `memberMaxBudget` applies). */
export function toMemberMaxBudget(value: NumberInputValue): { maxBudget: number | null } | { error: FormError } {
  const amount = parseBudget(value);
  if (amount === null) return { error: invalidField('maxBudget', 'Enter an amount in US dollars.') };
  return { maxBudget: amount ?? null };
}

export interface UseTeamMembersOptions {
  /** Called after a membership was added, changed or removed. */
  onChange?: () => void;
}

export function useTeamMembers(options: UseTeamMembersOptions = {}) {
  const team = shallowRef<Team | null>(null);
  const members = shallowRef<TeamMember[]>([]);
  const candidates = shallowRef<User[]>([]);
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const actionError = ref<string | null>(null);
  const adding = ref(false);
  const addError = ref<FormError | null>(null);
  /** The member whose budget is being saved. */
  const budgetSaving = ref<string | null>(null);
  const budgetError = shallowRef<MemberBudgetError | null>(null);
  /** Bumped by every open, close and local change, so an answer for another team (or an older one) is dropped. */
  let generation = 0;

  async function load(): Promise<void> {
    const current = team.value;
    if (!current) return;
    const loadGeneration = ++generation;
    loading.value = true;
    try {
      const [memberList, userList] = await Promise.all([
        graphql(TeamMembersQuery, { teamId: current.id }).then((data) => data.teamMembers),
        // Who may be added: users of the team's organization. A caller who may not list users gets none to pick
        // from (and the server would refuse the addition anyway).
        graphql(UsersQuery, { organizationId: current.organizationId }).then(
          (data) => data.users,
          () => [] as User[],
        ),
      ]);
      if (loadGeneration !== generation) return;
      members.value = memberList;
      candidates.value = userList;
      loadError.value = null;
    } catch (caught) {
      if (loadGeneration === generation) loadError.value = errorMessage(caught);
    } finally {
      if (loadGeneration === generation) loading.value = false;
    }
  }

  /**
   * Reads the members again (their spend), keeping the users to add; quietly: a failure keeps the list as it is. An
   * answer that comes after the team was closed, changed or loaded again is dropped.
   */
  async function refreshSpend(): Promise<void> {
    const current = team.value;
    if (!current) return;
    const readGeneration = generation;
    try {
      const { teamMembers } = await graphql(TeamMembersQuery, { teamId: current.id });
      if (readGeneration === generation) members.value = teamMembers;
    } catch {
      // The next read, or the next full load, shows it.
    }
  }

  /** Shows the members of `next` (loading them); opening the open team again closes it. */
  function toggle(next: Team): void {
    if (team.value?.id === next.id) {
      close();
      return;
    }
    team.value = next;
    members.value = [];
    candidates.value = [];
    loadError.value = null;
    actionError.value = null;
    addError.value = null;
    budgetError.value = null;
    void load();
  }

  function close(): void {
    generation++;
    team.value = null;
    members.value = [];
    candidates.value = [];
    loading.value = false;
  }

  function replaceMembers(next: TeamMember[]): void {
    generation++;
    loading.value = false;
    members.value = next;
  }

  async function add(values: MemberFormValues): Promise<boolean> {
    const current = team.value;
    if (!current) return false;
    if (values.userId === '') {
      addError.value = invalidField('userId', 'Choose a user.');
      return false;
    }
    adding.value = true;
    addError.value = null;
    try {
      const { setTeamMember } = await graphql(SetTeamMemberMutation, {
        input: { teamId: current.id, userId: values.userId, role: values.role },
      });
      if (team.value?.id === current.id) {
        replaceMembers(
          [...members.value.filter((m) => m.user.id !== setTeamMember.user.id), setTeamMember].sort((a, b) =>
            a.user.email.localeCompare(b.user.email),
          ),
        );
      }
      options.onChange?.();
      return true;
    } catch (caught) {
      addError.value = toFormError(caught);
      return false;
    } finally {
      adding.value = false;
    }
  }

  async function setRole(userId: string, role: TeamRole): Promise<boolean> {
    const current = team.value;
    const before = members.value;
    const member = before.find((m) => m.user.id === userId);
    if (!current || !member) return false;
    actionError.value = null;
    replaceMembers(before.map((m) => (m.user.id === userId ? { ...m, role } : m)));
    try {
      const { setTeamMember } = await graphql(SetTeamMemberMutation, { input: { teamId: current.id, userId, role } });
      if (team.value?.id === current.id) {
        replaceMembers(members.value.map((m) => (m.user.id === userId ? setTeamMember : m)));
      }
      options.onChange?.();
      return true;
    } catch (caught) {
      if (team.value?.id === current.id) {
        replaceMembers(members.value.map((m) => (m.user.id === userId ? member : m)));
        actionError.value = `Could not change the team role of ${member.user.email}: ${errorMessage(caught)}`;
      }
      return false;
    }
  }

  /**
   * Sets a member's own budget in the team (blank: none of their own, the team's applies). Waits for the server, which
   * answers with their spend; an error is kept for their row.
   */
  async function setBudget(userId: string, value: NumberInputValue): Promise<boolean> {
    const current = team.value;
    const member = members.value.find((m) => m.user.id === userId);
    if (!current || !member) return false;
    const parsed = toMemberMaxBudget(value);
    if ('error' in parsed) {
      budgetError.value = { userId, error: parsed.error };
      return false;
    }
    budgetSaving.value = userId;
    budgetError.value = null;
    try {
      // The role goes along: setTeamMember makes a member without one a plain member, also an admin.
      const role = member.role as TeamRole;
      const { setTeamMember } = await graphql(SetTeamMemberMutation, {
        input: { teamId: current.id, userId, role, maxBudget: parsed.maxBudget },
      });
      if (team.value?.id === current.id) {
        replaceMembers(members.value.map((m) => (m.user.id === userId ? setTeamMember : m)));
      }
      options.onChange?.();
      return true;
    } catch (caught) {
      if (team.value?.id === current.id) budgetError.value = { userId, error: toFormError(caught) };
      return false;
    } finally {
      if (budgetSaving.value === userId) budgetSaving.value = null;
    }
  }

  async function remove(userId: string): Promise<boolean> {
    const current = team.value;
    const index = members.value.findIndex((m) => m.user.id === userId);
    const member = members.value[index];
    if (!current || !member) return false;
    actionError.value = null;
    replaceMembers(members.value.filter((m) => m.user.id !== userId));
    try {
      await graphql(RemoveTeamMemberMutation, { teamId: current.id, userId });
      options.onChange?.();
      return true;
    } catch (caught) {
      if (team.value?.id === current.id) {
        const restored = members.value.filter((m) => m.user.id !== userId);
        restored.splice(Math.min(index, restored.length), 0, member);
        replaceMembers(restored);
        actionError.value = `Could not remove ${member.user.email}: ${errorMessage(caught)}`;
      }
      return false;
    }
  }

  return {
    team: team as Readonly<Ref<Team | null>>,
    members: members as Readonly<Ref<TeamMember[]>>,
    candidates: candidates as Readonly<Ref<User[]>>,
    loading: loading as Readonly<Ref<boolean>>,
    loadError: loadError as Readonly<Ref<string | null>>,
    actionError: actionError as Readonly<Ref<string | null>>,
    adding: adding as Readonly<Ref<boolean>>,
    addError: addError as Readonly<Ref<FormError | null>>,
    budgetSaving: budgetSaving as Readonly<Ref<string | null>>,
    budgetError: budgetError as Readonly<Ref<MemberBudgetError | null>>,
    toggle,
    close,
    refresh: load,
    refreshSpend,
    add,
    setRole,
    setBudget,
    remove,
  };
}

export type TeamMembersStore = ReturnType<typeof useTeamMembers>;
