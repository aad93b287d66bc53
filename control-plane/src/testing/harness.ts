import { randomBytes } from 'node:crypto';
import { CONFIG_FEATURES_PARAM, type ConfigFeature } from '@tollgate/schema';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Logger } from '../logger.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../start.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; fieldErrors?: Record<string, string[]> } }>;
}

/** Keeps log lines so a test can assert on them (e.g. that no secret was logged). */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info = (message: string, fields?: Record<string, unknown>) => this.add('info', message, fields);
  warn = (message: string, fields?: Record<string, unknown>) => this.add('warn', message, fields);
  error = (message: string, fields?: Record<string, unknown>) => this.add('error', message, fields);
  private add(level: string, message: string, fields?: Record<string, unknown>) {
    this.lines.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
  }
}

export const testSecret = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export interface TestControlPlane extends ControlPlane {
  masterKey: string;
  dataPlaneToken: string;
  logger: MemoryLogger;
  wsUrl: string;
  /** One GraphQL request over HTTP with `token` as the bearer credential (none when undefined). */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  /** As admin; throws on GraphQL errors. */
  admin<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A graphql-ws client presenting `token` (none when undefined). */
  ws(token?: string): Client;
}

export async function startTestControlPlane(
  options: Partial<ControlPlaneOptions> & { databaseUrl: string },
): Promise<TestControlPlane> {
  const masterKey = options.masterKey ?? testSecret('sk-tg-master-test-');
  const dataPlaneToken = options.dataPlaneToken ?? testSecret('tg-dp-test-');
  const logger = new MemoryLogger();
  const controlPlane = await startControlPlane({
    host: '127.0.0.1',
    port: 0,
    logger,
    ...options,
    masterKey,
    dataPlaneToken,
  });
  const gql = async <T>(query: string, variables?: Record<string, unknown>, token?: string) => {
    const res = await fetch(controlPlane.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as Omit<GraphQLResponse<T>, 'status'>) };
  };
  return {
    ...controlPlane,
    masterKey,
    dataPlaneToken,
    logger,
    wsUrl: controlPlane.graphqlUrl.replace(/^http/, 'ws'),
    gql,
    async admin<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await gql<T>(query, variables, masterKey);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
      return res.data as T;
    },
    ws(token?: string): Client {
      return createClient({
        url: controlPlane.graphqlUrl.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
    },
  };
}

/**
 * A graphql-ws client as a data plane connects: the data-plane token, and the config features it lists (by default
 * `governedSubjects`: it is sent organizations, users, tags and end users too).
 */
export function dataPlaneClient(cp: Pick<TestControlPlane, 'wsUrl' | 'dataPlaneToken'>, features: readonly ConfigFeature[] = ['governedSubjects']): Client {
  return createClient({
    url: cp.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${cp.dataPlaneToken}`, [CONFIG_FEATURES_PARAM]: features },
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects the messages of one subscription; `next()` waits for the next one. */
export function subscribe<T>(client: Client, query: string) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | null = null;
  let taken = 0;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const dispose = client.subscribe<T>(
    { query },
    {
      next: (message) => {
        if (message.errors) errors.push(message.errors);
        if (message.data) items.push(message.data as T);
        notify();
      },
      error: (err) => {
        errors.push(err);
        notify();
      },
      complete: notify,
    },
  );
  return {
    items,
    errors,
    dispose,
    /** The next message not yet taken; rejects on a subscription error or after `timeoutMs`. */
    async next(timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      while (items.length <= taken) {
        if (errors.length > 0) throw new Error(`subscription error: ${JSON.stringify(errors)}`);
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for a subscription message');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return items[taken++] as T;
    },
    /** The first error, waiting up to `timeoutMs` for it. */
    async error(timeoutMs = 5000): Promise<unknown> {
      const deadline = Date.now() + timeoutMs;
      while (errors.length === 0) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for a subscription error');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return errors[0];
    },
  };
}

/**
 * Waits for a query to round-trip on `client`. The server starts a socket's operations in arrival order and a
 * subscription registers within the same few steps a query takes to answer, so once this answers, subscriptions
 * started earlier on the same client are listening.
 */
export function roundTrip(client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: reject, complete: resolve });
  });
}
