/**
 * Users: the list, the create form's submit, and changing a user's role or blocked state (optimistic, rolled back
 * when the server refuses, with its message).
 */
import { ref, type Ref } from 'vue';
import { graphql } from '../api/client';
import {
  CreateUserMutation,
  UpdateUserMutation,
  UsersQuery,
  type CreateUserInput,
  type UpdateUserInput,
  type User,
  type UserRole,
} from '../api/operations';
import { isProxyRole, isUserRole } from '../permissions';
import { invalidField, optionalText, type FormError } from './forms';
import { optimisticUpdate } from './optimisticUpdate';
import { useCreate } from './useCreate';
import { useRemoteList } from './useRemoteList';

/** The server's minimum (NIST SP 800-63B); checked here too so a short password costs no round trip. */
export const MIN_PASSWORD_LENGTH = 12;

/** What the create-user form holds, as typed. */
export interface UserFormValues {
  email: string;
  name: string;
  role: string;
  /** An organization id, or '' for the default (an org admin's own organization; none for proxy roles). */
  organizationId: string;
  /** Blank: the user cannot sign in until a password is set. */
  password: string;
}

export type UserFormParse = { input: CreateUserInput } | { error: FormError };

export function toCreateUserInput(values: UserFormValues): UserFormParse {
  const email = values.email.trim();
  if (email === '') return { error: invalidField('email', 'Enter an email address.') };
  if (!isUserRole(values.role)) return { error: invalidField('role', 'Choose a role.') };
  const role: UserRole = values.role;
  if (values.password !== '' && values.password.length < MIN_PASSWORD_LENGTH) {
    return { error: invalidField('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`) };
  }
  const name = optionalText(values.name);
  // Proxy-wide roles belong to no organization: a choice left over from another role is not sent.
  const organizationId = isProxyRole(role) ? undefined : optionalText(values.organizationId);
  return {
    input: {
      email,
      role,
      ...(name ? { name } : {}),
      ...(organizationId ? { organizationId } : {}),
      ...(values.password !== '' ? { password: values.password } : {}),
    },
  };
}

export interface UseUsersOptions {
  /** Load the list right away (default true). */
  immediate?: boolean;
  /** Called after a user was created or changed. */
  onChange?: () => void;
}

export function useUsers(options: UseUsersOptions = {}) {
  const list = useRemoteList(async () => (await graphql(UsersQuery, {})).users);
  const actionError = ref<string | null>(null);

  const { creating, createError, create } = useCreate({
    parse: toCreateUserInput,
    send: async (input) => (await graphql(CreateUserMutation, { input })).createUser,
    list,
    order: (a, b) => a.email.localeCompare(b.email),
    onChange: options.onChange,
  });


  /** Applies a change at once and puts the user back if the server refuses it. */
  function update(id: string, input: UpdateUserInput, describe: string): Promise<boolean> {
    return optimisticUpdate<User>({
      list,
      id,
      patch: input as Partial<User>,
      send: async () => (await graphql(UpdateUserMutation, { id, input })).updateUser,
      actionError,
      failure: (before) => `Could not ${describe} ${before.email}`,
      onChange: options.onChange,
    });
  }

  const setRole = (id: string, role: UserRole) => update(id, { role }, 'change the role of');
  const setBlocked = (id: string, blocked: boolean) => update(id, { blocked }, blocked ? 'block' : 'unblock');

  if (options.immediate ?? true) void list.refresh();

  return {
    users: list.items,
    loading: list.loading,
    loadError: list.error,
    refresh: list.refresh,
    creating,
    createError,
    actionError: actionError as Readonly<Ref<string | null>>,
    create,
    setRole,
    setBlocked,
  };
}

export type UsersStore = ReturnType<typeof useUsers>;
