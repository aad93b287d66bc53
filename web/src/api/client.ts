/**
 * The one network path of the dashboard: GraphQL queries and mutations over `fetch`, subscriptions over
 * graphql-ws, both against `/graphql` on the origin that served the app, both authenticated with the signed-in
 * credential (master key, management key or session token).
 * Every failure surfaces as an {@link ApiError} so views only ever handle one error shape.
 */
import { createClient } from 'graphql-ws/client';

export const GRAPHQL_PATH = '/graphql';

// ---------------------------------------------------------------------------------------------------------------
// Typed operation documents

declare const dataType: unique symbol;
declare const variablesType: unique symbol;

/** A GraphQL document string that carries its result and variables types (phantom, compile time only). */
export type TypedDocument<TData, TVariables extends Variables = NoVariables> = string & {
  readonly [dataType]?: TData;
  readonly [variablesType]?: TVariables;
};

export type Variables = Record<string, unknown>;
export type NoVariables = Record<string, never>;

/** Tags a document string with the types the contract gives it. */
export function gql<TData, TVariables extends Variables = NoVariables>(
  source: string,
): TypedDocument<TData, TVariables> {
  return source as TypedDocument<TData, TVariables>;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** `extensions.code` values the contract defines, plus the ones this client produces itself. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** Nobody could do it now: `checkModelHealth` with no data plane connected that runs checks, or none answering. */
  | 'UNAVAILABLE'
  /** The request never got a response (server down, connection refused, DNS, CORS). */
  | 'NETWORK_ERROR'
  /** A response arrived, but not a GraphQL one (proxy error page, 5xx without a body, malformed JSON). */
  | 'BAD_RESPONSE'
  /** Anything else the server sent (`INTERNAL_SERVER_ERROR`, `GRAPHQL_VALIDATION_FAILED`, …). */
  | (string & {});

/** `extensions.fieldErrors`: input field name → messages. */
export type FieldErrors = Record<string, string[]>;

/** One entry of a GraphQL response's `errors` array, as far as this client reads it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    message: string,
    readonly code: ApiErrorCode,
    readonly fieldErrors: FieldErrors = {},
    /** HTTP status of the response, when there was one. */
    readonly status?: number,
    /** The raw GraphQL errors, when the server sent any. */
    readonly errors: readonly GraphQLErrorEntry[] = [],
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Normalises `extensions.fieldErrors`. Keys are reported relative to the mutation input (`input.name` and `name`
 * both become `name`); a bare string is accepted as a one-element list.
 */
export function normaliseFieldErrors(value: unknown): FieldErrors {
  const result: FieldErrors = {};
  if (!isRecord(value)) return result;
  for (const [rawField, rawMessages] of Object.entries(value)) {
    const field = rawField.replace(/^input\./, '');
    const messages = (Array.isArray(rawMessages) ? rawMessages : [rawMessages]).filter(
      (m): m is string => typeof m === 'string' && m.length > 0,
    );
    if (messages.length > 0) (result[field] ??= []).push(...messages);
  }
  return result;
}

function toErrorEntries(value: unknown): GraphQLErrorEntry[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry): GraphQLErrorEntry => {
    if (!isRecord(entry)) return { message: String(entry) };
    return {
      message: typeof entry.message === 'string' ? entry.message : 'Unknown error',
      ...(Array.isArray(entry.path) ? { path: entry.path as (string | number)[] } : {}),
      ...(isRecord(entry.extensions) ? { extensions: entry.extensions } : {}),
    };
  });
}

/** Builds one ApiError from a GraphQL `errors` array: the first error's code and message, every error's fields. */
export function errorFromGraphQL(errors: readonly GraphQLErrorEntry[], status?: number): ApiError {
  const first = errors[0];
  const rawCode = first?.extensions?.code;
  const code: ApiErrorCode =
    typeof rawCode === 'string' ? rawCode : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : 'UNKNOWN';
  const fieldErrors: FieldErrors = {};
  let coerced = false;
  for (const error of errors) {
    for (const [field, messages] of Object.entries(normaliseFieldErrors(error.extensions?.fieldErrors))) {
      (fieldErrors[field] ??= []).push(...messages);
    }
    const variable = variableError(error.message);
    if (variable !== null) {
      (fieldErrors[variable.field] ??= []).push(variable.message);
      coerced = true;
    }
  }
  const message = coerced && errors.length === 1 ? 'Please correct the highlighted field.' : (first?.message ?? 'Request failed');
  return new ApiError(message, code, fieldErrors, status, errors);
}

/**
 * GraphQL's own refusal of a variable's value, before the server's checks see it (an amount beyond a 32-bit `Int`:
 * `Variable "$input" got invalid value 99999999999 at "input.rpmLimit"; Int cannot represent non 32-bit signed
 * integer value: 99999999999`), as a field error: the field (relative to the input, as server field errors are) and
 * what is wrong, in the form's words.
 */
export function variableError(message: string): { field: string; message: string } | null {
  const match = /^Variable "\$\w+" got invalid value .* at "([^"]+)"; (.*)$/s.exec(message);
  if (match === null) return null;
  const field = match[1]!.replace(/^\w+\./, '');
  const reason = match[2]!;
  if (/non 32-bit signed integer/.test(reason)) return { field, message: `must be at most ${2 ** 31 - 1}` };
  if (/non-integer/.test(reason)) return { field, message: 'must be a whole number' };
  return { field, message: reason };
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials

let authToken: string | null = null;
const unauthenticatedHandlers = new Set<(error: ApiError) => void>();

/** Sets the credential (master key, management key or session token) sent by requests that bring none. */
export function setAuthToken(token: string | null): void {
  authToken = token;
}

/**
 * Registers a callback for UNAUTHENTICATED answers to requests made with the stored key (the key was rotated or
 * revoked). Returns the function that unregisters it.
 */
export function onUnauthenticated(handler: (error: ApiError) => void): () => void {
  unauthenticatedHandlers.add(handler);
  return () => unauthenticatedHandlers.delete(handler);
}

// ---------------------------------------------------------------------------------------------------------------
// Queries and mutations

export interface RequestOptions {
  /** Use this credential instead of the stored one (sign-in verification). */
  token?: string;
  signal?: AbortSignal;
}

/** Runs one query or mutation and returns its `data`, or throws an {@link ApiError}. */
export async function graphql<TData, TVariables extends Variables = NoVariables>(
  query: TypedDocument<TData, TVariables> | string,
  variables: TVariables,
  options: RequestOptions = {},
): Promise<TData> {
  const token = options.token ?? authToken;
  try {
    return await execute<TData>(query, variables, token, options.signal);
  } catch (error) {
    if (
      error instanceof ApiError &&
      error.code === 'UNAUTHENTICATED' &&
      options.token === undefined &&
      token !== null
    ) {
      for (const handler of unauthenticatedHandlers) handler(error);
    }
    throw error;
  }
}

async function execute<TData>(
  query: string,
  variables: Variables,
  token: string | null,
  signal: AbortSignal | undefined,
): Promise<TData> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;

  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('Could not reach the control plane.', 'NETWORK_ERROR');
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(
      `Unexpected response from the control plane (HTTP ${response.status}).`,
      response.status === 401 ? 'UNAUTHENTICATED' : 'BAD_RESPONSE',
      {},
      response.status,
    );
  }

  const errors = isRecord(body) ? toErrorEntries(body.errors) : [];
  if (errors.length > 0) throw errorFromGraphQL(errors, response.status);

  const data = isRecord(body) ? body.data : undefined;
  if (!response.ok || !isRecord(data)) {
    throw new ApiError(
      `Unexpected response from the control plane (HTTP ${response.status}).`,
      response.status === 401 ? 'UNAUTHENTICATED' : 'BAD_RESPONSE',
      {},
      response.status,
    );
  }
  return data as TData;
}

// ---------------------------------------------------------------------------------------------------------------
// Subscriptions

/** State of a live subscription, for the "live" indicator. */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'error';

export interface SubscribeOptions<TVariables extends Variables> {
  variables?: TVariables;
  onStatus?: (status: LiveStatus) => void;
  onError?: (error: ApiError) => void;
  /** Use this key instead of the stored one. */
  token?: string;
}

/** `ws://host/graphql` or `wss://host/graphql` for the page's own origin. */
export function graphqlWsUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${GRAPHQL_PATH}`;
}

const MAX_RETRY_WAIT_MS = 10_000;

/** Close codes with which graphql-ws servers reject connectionParams: 4401 Unauthorized, 4403 Forbidden. */
const CREDENTIAL_REJECTED_CODES = new Set([4401, 4403]);

/** Exponential backoff with jitter, capped (graphql-ws's default doubles without a limit). */
async function retryWait(retries: number): Promise<void> {
  const base = Math.min(MAX_RETRY_WAIT_MS, 500 * 2 ** retries);
  const delay = base / 2 + Math.random() * (base / 2);
  await new Promise((resolve) => setTimeout(resolve, delay));
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return isRecord(value) && typeof value.code === 'number' && 'reason' in value;
}

/** Maps whatever graphql-ws hands a sink's `error` (a CloseEvent, an Error, GraphQL errors) to an ApiError. */
export function errorFromSubscription(error: unknown): ApiError {
  if (Array.isArray(error)) return errorFromGraphQL(toErrorEntries(error));
  if (isCloseEvent(error)) {
    // 4401 Unauthorized / 4403 Forbidden are how graphql-ws servers reject connectionParams.
    const code: ApiErrorCode =
      error.code === 4401 ? 'UNAUTHENTICATED' : error.code === 4403 ? 'FORBIDDEN' : 'NETWORK_ERROR';
    return new ApiError(error.reason || `Live connection closed (code ${error.code}).`, code);
  }
  if (error instanceof ApiError) return error;
  if (error instanceof Error) return new ApiError(error.message, 'NETWORK_ERROR');
  return new ApiError('Live connection failed.', 'NETWORK_ERROR');
}

/**
 * Starts a subscription and calls `onData` with each event's `data`. Returns the function that stops it.
 *
 * Each subscription gets its own graphql-ws client so its connection state maps one-to-one onto `onStatus`; the
 * dashboard holds a single subscription, so there is no connection to share. The client connects lazily and
 * reconnects with capped backoff for as long as the subscription is wanted.
 */
export function subscribe<TData, TVariables extends Variables = NoVariables>(
  query: TypedDocument<TData, TVariables> | string,
  onData: (data: TData) => void,
  options: SubscribeOptions<TVariables> = {},
): () => void {
  const token = options.token ?? authToken;
  const setStatus = (status: LiveStatus): void => options.onStatus?.(status);
  let stopped = false;

  const client = createClient({
    url: graphqlWsUrl(),
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait,
    // graphql-ws retries only after close events by default, but a browser reports a refused connection as an
    // error event first, which would end the subscription for good while the control plane restarts. Retry on
    // everything except the server refusing the credential.
    shouldRetry: (error) => !(isCloseEvent(error) && CREDENTIAL_REJECTED_CODES.has(error.code)),
    on: {
      connecting: (isRetry) => {
        if (!stopped) setStatus(isRetry ? 'reconnecting' : 'connecting');
      },
      connected: () => {
        if (!stopped) setStatus('live');
      },
      closed: () => {
        if (!stopped) setStatus('reconnecting');
      },
    },
  });

  setStatus('connecting');
  const unsubscribe = client.subscribe<TData>(
    { query, ...(options.variables ? { variables: options.variables } : {}) },
    {
      next: (result) => {
        if (result.errors && result.errors.length > 0) {
          options.onError?.(errorFromGraphQL(toErrorEntries(result.errors)));
        } else if (result.data !== undefined && result.data !== null) {
          onData(result.data);
        }
      },
      error: (error) => {
        if (stopped) return;
        setStatus('error');
        options.onError?.(errorFromSubscription(error));
      },
      complete: () => {
        if (!stopped) setStatus('closed');
      },
    },
  );

  return () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    void client.dispose();
  };
}
