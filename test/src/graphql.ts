import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; fieldErrors?: Record<string, string[]> };
}

export class GraphQLRequestError extends Error {
  constructor(readonly errors: GraphQLErrorShape[]) {
    super(errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** One GraphQL request over HTTP, as any admin script would send it. */
export async function gql<T>(url: string, token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: GraphQLErrorShape[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (!body.data) throw new Error(`GraphQL response without data (HTTP ${res.status})`);
  return body.data;
}

export function wsClient(url: string, token: string): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
}

/** Collects every message of one subscription until `dispose` is called. */
export function collect<T>(client: Client, query: string): { items: T[]; errors: unknown[]; dispose: () => void } {
  const items: T[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe<T>(
    { query },
    {
      next: (msg) => {
        if (msg.errors) errors.push(msg.errors);
        else if (msg.data) items.push(msg.data as T);
      },
      error: (err) => errors.push(err),
      complete: () => undefined,
    },
  );
  return { items, errors, dispose };
}
