import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphQLError, installFakeFetch, jsonResponse } from '../testing/fakeApi';

const createClientMock = vi.hoisted(() => vi.fn());
vi.mock('graphql-ws/client', () => ({ createClient: createClientMock }));

import {
  ApiError,
  errorFromGraphQL,
  errorFromSubscription,
  graphql,
  graphqlWsUrl,
  normaliseFieldErrors,
  onUnauthenticated,
  setAuthToken,
  subscribe,
} from './client';
import { CreateTeamMutation, TeamsQuery, ViewerQuery } from './operations';

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

beforeEach(() => setAuthToken('sk-tg-master-test'));
afterEach(() => {
  setAuthToken(null);
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('graphql()', () => {
  it('should POST the query and variables to /graphql with the master key as bearer token', async () => {
    const api = installFakeFetch({ Teams: () => ({ data: { teams: [] } }) });

    await expect(graphql(TeamsQuery, {})).resolves.toEqual({ teams: [] });

    const [url, init] = api.fetchMock.mock.calls[0]!;
    expect(url).toBe('/graphql');
    expect(init?.method).toBe('POST');
    expect(api.requests[0]?.headers.authorization).toBe('Bearer sk-tg-master-test');
    expect(api.requests[0]?.headers['content-type']).toBe('application/json');
    expect(api.requests[0]?.query).toBe(TeamsQuery);
  });

  it('should use an explicit token instead of the stored one', async () => {
    const api = installFakeFetch({ Viewer: () => ({ data: { viewer: { role: 'proxy_admin' } } }) });
    await graphql(ViewerQuery, {}, { token: 'other' });
    expect(api.requests[0]?.headers.authorization).toBe('Bearer other');
  });

  it('should throw BAD_USER_INPUT with field errors keyed by input field', async () => {
    installFakeFetch({
      CreateTeam: () =>
        graphQLError('BAD_USER_INPUT', 'Invalid input', { 'input.name': ['must not be empty'], maxBudget: ['must be >= 0'] }),
    });

    const error = await caught(graphql(CreateTeamMutation, { input: { name: '' } }));

    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('Invalid input');
    expect(error.fieldErrors).toEqual({ name: ['must not be empty'], maxBudget: ['must be >= 0'] });
  });

  it('should throw CONFLICT with the server message', async () => {
    installFakeFetch({ CreateTeam: () => graphQLError('CONFLICT', 'A team named "research" already exists') });

    const error = await caught(graphql(CreateTeamMutation, { input: { name: 'research' } }));

    expect(error).toMatchObject({ code: 'CONFLICT', message: 'A team named "research" already exists', fieldErrors: {} });
  });

  it('should map a 401 without a GraphQL body to UNAUTHENTICATED', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Unauthorized', { status: 401 })));
    const error = await caught(graphql(TeamsQuery, {}));
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('should map an error without extensions.code on a 401 to UNAUTHENTICATED', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ errors: [{ message: 'no key' }] }, 401)));
    const error = await caught(graphql(TeamsQuery, {}));
    expect(error.code).toBe('UNAUTHENTICATED');
  });

  it('should map a non-JSON error page to BAD_RESPONSE', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>Bad Gateway</html>', { status: 502 })));
    const error = await caught(graphql(TeamsQuery, {}));
    expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 502 });
  });

  it('should map a JSON body without data to BAD_RESPONSE', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ data: null })));
    const error = await caught(graphql(TeamsQuery, {}));
    expect(error.code).toBe('BAD_RESPONSE');
  });

  it('should map a failed fetch to NETWORK_ERROR', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const error = await caught(graphql(TeamsQuery, {}));
    expect(error.code).toBe('NETWORK_ERROR');
  });

  it('should tell unauthenticated listeners when the stored key is rejected, but not for explicit tokens', async () => {
    installFakeFetch({
      Teams: () => graphQLError('UNAUTHENTICATED', 'Invalid key'),
      Viewer: () => graphQLError('UNAUTHENTICATED', 'Invalid key'),
    });
    const listener = vi.fn();
    const unregister = onUnauthenticated(listener);

    await caught(graphql(ViewerQuery, {}, { token: 'wrong' }));
    expect(listener).not.toHaveBeenCalled();

    await caught(graphql(TeamsQuery, {}));
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]?.[0]).toBeInstanceOf(ApiError);
    unregister();
  });
});

describe('errorFromGraphQL()', () => {
  // GraphQL refuses an Int beyond 32 bits before the server's checks (which would say "must be at most …"): the form
  // showed that raw text in its alert; it goes beside the field now.
  it("turns GraphQL's refusal of a variable's value into a field error", () => {
    const error = errorFromGraphQL([
      {
        message: 'Variable "$input" got invalid value 99999999999999 at "input.rpmLimit"; Int cannot represent non 32-bit signed integer value: 99999999999999',
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Please correct the highlighted field.', fieldErrors: { rpmLimit: ['must be at most 2147483647'] } });
    expect(errorFromGraphQL([{ message: 'Variable "$id" of required type "ID!" was not provided.' }]).fieldErrors).toEqual({});
  });
});

describe('normaliseFieldErrors()', () => {
  it('should accept single strings and drop empty or non-string messages', () => {
    expect(normaliseFieldErrors({ name: 'taken', alias: [''], models: [1, 'unknown model'] })).toEqual({
      name: ['taken'],
      models: ['unknown model'],
    });
    expect(normaliseFieldErrors(undefined)).toEqual({});
  });
});

describe('errorFromSubscription()', () => {
  it('should map close codes 4401 and 4403 to UNAUTHENTICATED and FORBIDDEN', () => {
    expect(errorFromSubscription({ code: 4401, reason: 'Unauthorized' }).code).toBe('UNAUTHENTICATED');
    expect(errorFromSubscription({ code: 4403, reason: 'Forbidden' }).code).toBe('FORBIDDEN');
    expect(errorFromSubscription({ code: 1006, reason: '' })).toMatchObject({ code: 'NETWORK_ERROR' });
  });

  it('should map GraphQL errors by their extensions.code', () => {
    expect(errorFromSubscription([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]).code).toBe('FORBIDDEN');
  });
});

describe('subscribe()', () => {
  function fakeWsClient() {
    const client = { subscribe: vi.fn(() => vi.fn()), dispose: vi.fn() };
    createClientMock.mockReturnValue(client);
    return client;
  }

  it('should derive the ws URL from the page origin', () => {
    expect(graphqlWsUrl({ protocol: 'http:', host: 'localhost:4001' })).toBe('ws://localhost:4001/graphql');
    expect(graphqlWsUrl({ protocol: 'https:', host: 'gw.example.com' })).toBe('wss://gw.example.com/graphql');
  });

  it('should connect lazily with the master key in connectionParams and retry', () => {
    fakeWsClient();
    subscribe('subscription S { spendUpdated { totalSpend } }', () => {});

    const options = createClientMock.mock.calls[0]?.[0];
    expect(options.url).toBe(`ws://${window.location.host}/graphql`);
    expect(options.connectionParams).toEqual({ authorization: 'Bearer sk-tg-master-test' });
    expect(options.lazy).toBe(true);
    expect(options.retryAttempts).toBeGreaterThan(0);
    // A refused connection reaches the browser client as an error event: keep retrying.
    expect(options.shouldRetry(new Event('error'))).toBe(true);
    expect(options.shouldRetry({ code: 1006, reason: '' })).toBe(true);
    expect(options.shouldRetry({ code: 4403, reason: 'Forbidden' })).toBe(false);
  });

  it('should deliver data, report status, and dispose the client when stopped', () => {
    const client = fakeWsClient();
    const onData = vi.fn();
    const onStatus = vi.fn();
    const onError = vi.fn();
    const stop = subscribe('subscription S { spendUpdated { totalSpend } }', onData, { onStatus, onError });
    const options = createClientMock.mock.calls[0]?.[0];
    const sink = (client.subscribe.mock.calls[0] as unknown as [unknown, { next: (v: unknown) => void; error: (e: unknown) => void }])[1];

    expect(onStatus).toHaveBeenLastCalledWith('connecting');
    options.on.connected();
    expect(onStatus).toHaveBeenLastCalledWith('live');

    sink.next({ data: { spendUpdated: { totalSpend: 1 } } });
    expect(onData).toHaveBeenCalledWith({ spendUpdated: { totalSpend: 1 } });

    sink.next({ errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'boom' });

    options.on.closed({ code: 1006 });
    expect(onStatus).toHaveBeenLastCalledWith('reconnecting');
    options.on.connecting(true);
    expect(onStatus).toHaveBeenLastCalledWith('reconnecting');

    sink.error({ code: 4403, reason: 'Forbidden' });
    expect(onStatus).toHaveBeenLastCalledWith('error');
    expect(onError.mock.calls[1]?.[0]).toMatchObject({ code: 'FORBIDDEN' });

    stop();
    expect(client.dispose).toHaveBeenCalledTimes(1);
    const calls = onStatus.mock.calls.length;
    options.on.closed({ code: 1000 });
    expect(onStatus).toHaveBeenCalledTimes(calls);
  });
});
