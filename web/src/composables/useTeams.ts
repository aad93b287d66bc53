/**
 * Teams: the list, the create form's submit, the edit form's save (only what changed), and blocking (optimistic,
 * rolled back on failure).
 */
import { ref, shallowRef, type Ref } from 'vue';
import { graphql } from '../api/client';
import { CreateTeamMutation, TeamsQuery, UpdateTeamMutation, type Team } from '../api/operations';
import { toCreateTeamInput, toUpdateTeamInput, type TeamFormValues } from '../teamForm';
import { toFormError, type FormError } from './forms';
import { optimisticUpdate } from './optimisticUpdate';
import { useCreate } from './useCreate';
import { useRemoteList } from './useRemoteList';

/** A failed save of one team's edit form: what the form or the server said, shown in that team's form. */
export interface TeamUpdateError {
  teamId: string;
  error: FormError;
}

export interface UseTeamsOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after a team was created or changed. */
  onChange?: () => void;
}

export function useTeams(options: UseTeamsOptions = {}) {
  const list = useRemoteList(async () => (await graphql(TeamsQuery, {})).teams);
  /** The team whose changes are being saved. */
  const updating = ref<string | null>(null);
  const updateError = shallowRef<TeamUpdateError | null>(null);
  const actionError = ref<string | null>(null);

  const { creating, createError, create } = useCreate({
    parse: toCreateTeamInput,
    send: async (input) => (await graphql(CreateTeamMutation, { input })).createTeam,
    list,
    onChange: options.onChange,
  });

  const replace = (next: Team): void => list.update((teams) => teams.map((team) => (team.id === next.id ? next : team)));

  /**
   * Saves what the edit form changed since it was opened on `before`: only those fields are sent (an unchanged
   * period is not, so it does not start again). Waits for the server, whose answer replaces the team in the list.
   * Returns the team as it is now (nothing changed: nothing is sent), or null with `updateError` set.
   */
  async function update(before: Team, values: TeamFormValues): Promise<Team | null> {
    const parsed = toUpdateTeamInput(values, before);
    if ('error' in parsed) {
      updateError.value = { teamId: before.id, error: parsed.error };
      return null;
    }
    updateError.value = null;
    if (Object.keys(parsed.input).length === 0) return list.items.value.find((team) => team.id === before.id) ?? before;
    updating.value = before.id;
    try {
      const { updateTeam } = await graphql(UpdateTeamMutation, { id: before.id, input: parsed.input });
      replace(updateTeam);
      options.onChange?.();
      return updateTeam;
    } catch (caught) {
      updateError.value = { teamId: before.id, error: toFormError(caught) };
      return null;
    } finally {
      if (updating.value === before.id) updating.value = null;
    }
  }

  /** Blocks or unblocks a team (its keys are refused while it is blocked): shown at once, put back if the server refuses. */
  function setBlocked(id: string, blocked: boolean): Promise<boolean> {
    return optimisticUpdate<Team>({
      list,
      id,
      patch: { blocked },
      send: async () => (await graphql(UpdateTeamMutation, { id, input: { blocked } })).updateTeam,
      actionError,
      failure: (before) => `Could not ${blocked ? 'block' : 'unblock'} ${before.name}`,
      onChange: options.onChange,
    });
  }

  if (options.immediate ?? true) void list.refresh();

  return {
    teams: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    create,
    updating: updating as Readonly<Ref<string | null>>,
    updateError: updateError as Readonly<Ref<TeamUpdateError | null>>,
    actionError: actionError as Readonly<Ref<string | null>>,
    update,
    setBlocked,
  };
}

export type TeamsStore = ReturnType<typeof useTeams>;
