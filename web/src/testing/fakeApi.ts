/**
 * Test doubles at the API client boundary: a `fetch` that answers GraphQL operations by name, and a stand-in for
 * `subscribe` that tests drive by hand. Nothing above the client is faked.
 */
import { vi } from 'vitest';
import type { LiveStatus, subscribe, SubscribeOptions, Variables } from '../api/client';

export interface RecordedRequest {
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A GraphQL answer: `data`, or `errors` (with an optional HTTP status). */
export type FakeAnswer =
  | { data: Record<string, unknown> }
  | { errors: { message: string; extensions?: Record<string, unknown> }[]; status?: number };

export type FakeHandler = (variables: Record<string, unknown>) => FakeAnswer | Promise<FakeAnswer>;

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** `{ errors: [...] }` with one error carrying `extensions.code` (and field errors, if given). */
export function graphQLError(
  code: string,
  message: string,
  fieldErrors?: Record<string, string[]>,
): Extract<FakeAnswer, { errors: unknown }> {
  return { errors: [{ message, extensions: { code, ...(fieldErrors ? { fieldErrors } : {}) } }] };
}

/**
 * Installs a fake global `fetch` answering each operation (by its name, e.g. `CreateKey`) with its handler.
 * Unhandled operations fail the test loudly.
 */
export function installFakeFetch(handlers: Record<string, FakeHandler>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as { query: string; variables?: Record<string, unknown> };
    const operationName = /^\s*(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? '';
    const variables = body.variables ?? {};
    requests.push({ operationName, query: body.query, variables, headers: { ...(init?.headers as Record<string, string>) } });
    const handler = handlers[operationName];
    if (!handler) throw new Error(`No fake handler for operation "${operationName}"`);
    const answer = await handler(variables);
    if ('errors' in answer) return jsonResponse({ errors: answer.errors }, answer.status ?? 200);
    return jsonResponse({ data: answer.data });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetchMock, requests, handlers };
}

/** Drives a faked `subscribe`: push data, change the connection status, see whether it was stopped. */
export function createFakeSubscription() {
  let onData: ((data: unknown) => void) | undefined;
  let options: SubscribeOptions<Variables> = {};
  const state = { started: 0, stopped: 0, query: '' };

  const impl: typeof subscribe = (query, dataCallback, subscribeOptions = {}) => {
    state.started++;
    state.query = query;
    onData = dataCallback as (data: unknown) => void;
    options = subscribeOptions as SubscribeOptions<Variables>;
    options.onStatus?.('connecting');
    return () => {
      state.stopped++;
    };
  };

  return {
    impl,
    state,
    emit(data: unknown): void {
      if (!onData) throw new Error('subscribe() was not called');
      onData(data);
    },
    setStatus(status: LiveStatus): void {
      options.onStatus?.(status);
    },
    fail(error: Parameters<NonNullable<SubscribeOptions<Variables>['onError']>>[0]): void {
      options.onError?.(error);
    },
  };
}

/** A promise with its resolve exposed, for answers the test releases later. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Signs the shared auth store out and clears sessionStorage between tests, answering the `logout` a session
 * sign-in sends (so no request leaves the test).
 */
export async function resetAuth(): Promise<void> {
  const { useAuth } = await import('../composables/useAuth');
  installFakeFetch({ Logout: () => ({ data: { logout: true } }) });
  await useAuth().logout();
  sessionStorage.clear();
  vi.unstubAllGlobals();
}
