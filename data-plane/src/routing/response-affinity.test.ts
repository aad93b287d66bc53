import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { fixtureSnapshot, key, KEYS, model } from '../test-support/fixtures.js';

const KEY_ENV = 'TG_RESPONSE_AFFINITY_TEST_KEY';
/** A second key of the same team, with the same models. */
const SECOND_KEY = 'sk-tg-second-000000000000000000000000000000000';

/**
 * Stored responses and load balancing: a model with two `openai` deployments (two OpenAI projects, or two Azure
 * resources), each of which only knows the responses it stored. Follow-up turns (`previous_response_id`) must reach
 * the deployment that answered the turn before, streamed or not, and through any data plane sharing Redis.
 */
interface Upstream {
  readonly name: string;
  readonly apiBase: string;
  /** `previous_response_id` of every request received. */
  readonly previous: Array<string | null>;
  /** Every stored-response request received: method and URL. */
  readonly lookups: string[];
  close(): Promise<void>;
}

const notFound = (message: string, param: string | null = null, code: string | null = null) => JSON.stringify({ error: { message, type: 'invalid_request_error', param, code } });

/**
 * A stand-in OpenAI project: stores what it answers and serves it on the stored-response routes (retrieve, delete,
 * cancel: only background responses can be, input items), and answers 404 for a response it never stored.
 */
async function startUpstream(name: string): Promise<Upstream> {
  const stored = new Map<string, { response: Record<string, unknown>; input: unknown }>();
  const previous: Array<string | null> = [];
  const lookups: string[] = [];
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      const route = /^\/v1\/responses\/([^/]+)(\/cancel|\/input_items)?$/.exec(url.pathname);
      if (route !== null) {
        lookups.push(`${req.method} ${req.url}`);
        const entry = stored.get(decodeURIComponent(route[1]!));
        res.setHeader('content-type', 'application/json');
        if (entry === undefined) {
          res.writeHead(404).end(notFound(`Response with id '${route[1]}' not found.`));
        } else if (route[2] === '/cancel') {
          res.writeHead(400).end(JSON.stringify({ error: { message: 'Only responses created with background=true can be cancelled.', type: 'invalid_request_error', param: null, code: null } }));
        } else if (route[2] === '/input_items') {
          const items = [{ id: 'msg_in', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: entry.input }] }];
          const data = items.slice(0, Number(url.searchParams.get('limit') ?? 20));
          res.writeHead(200).end(JSON.stringify({ object: 'list', data, first_id: 'msg_in', last_id: 'msg_in', has_more: false }));
        } else if (req.method === 'DELETE') {
          stored.delete(decodeURIComponent(route[1]!));
          res.writeHead(200).end(JSON.stringify({ id: route[1], object: 'response', deleted: true }));
        } else {
          res.writeHead(200).end(JSON.stringify(entry.response));
        }
        return;
      }
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { previous_response_id?: string; stream?: boolean; store?: boolean; input?: unknown };
      previous.push(body.previous_response_id ?? null);
      if (body.previous_response_id !== undefined && !stored.has(body.previous_response_id)) {
        // OpenAI's answer: 400 (not 404), with a code clients recover on by starting afresh.
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(notFound(`Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_id', 'previous_response_not_found'));
        return;
      }
      const id = `resp_${name}_${run}_${n++}`;
      const message = { id: `msg_${id}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', annotations: [], text: `from ${name}` }] };
      const response = (status: string, output: unknown[]) => ({ id, object: 'response', created_at: 1, status, model: 'gpt-up', output, previous_response_id: body.previous_response_id ?? null, store: body.store !== false, usage: status === 'completed' ? { input_tokens: 5, output_tokens: 2, total_tokens: 7 } : null });
      if (body.store !== false) stored.set(id, { response: response('completed', [message]), input: body.input });
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response('completed', [message]), null, 2));
        return;
      }
      let seq = 0;
      const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event('response.created', { response: response('in_progress', []) }));
      setTimeout(() => {
        res.end(
          event('response.output_text.delta', { item_id: message.id, output_index: 0, content_index: 0, delta: `from ${name}` }) +
            event('response.completed', { response: response('completed', [message]) }),
        );
      }, 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    previous,
    lookups,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('stored responses on a model with several deployments', () => {
  let a: Upstream;
  let b: Upstream;
  const planes: TestDataPlane[] = [];

  beforeAll(async () => {
    process.env[KEY_ENV] = 'sk-upstream-affinity';
    a = await startUpstream('a');
    b = await startUpstream('b');
  });
  afterAll(async () => {
    await Promise.all(planes.map((p) => p.close()));
    await a.close();
    await b.close();
    delete process.env[KEY_ENV];
  });

  const startPlane = async (redisUrl?: string): Promise<OpenAI> => {
    const snapshot = fixtureSnapshot();
    snapshot.models.push(model({ id: 'codex-a', name: 'codex', provider: 'openai', providerModel: 'gpt-up', apiBase: a.apiBase, apiKeyRef: `env:${KEY_ENV}` }));
    snapshot.models.push(model({ id: 'codex-b', name: 'codex', provider: 'openai', providerModel: 'gpt-up', apiBase: b.apiBase, apiKeyRef: `env:${KEY_ENV}` }));
    snapshot.models.push(model({ id: 'solo-a', name: 'solo', provider: 'openai', providerModel: 'gpt-up', apiBase: a.apiBase, apiKeyRef: `env:${KEY_ENV}` }));
    snapshot.keys.push(key(SECOND_KEY, { id: 'k-second', teamId: 't1' }));
    const plane = await startTestDataPlane({ snapshot, ...(redisUrl !== undefined && { redisUrl }) });
    planes.push(plane);
    baseUrl = plane.baseUrl;
    return new OpenAI({ apiKey: KEYS.full, baseURL: `${plane.baseUrl}/v1`, maxRetries: 0 });
  };
  let baseUrl = '';

  /** A conversation of `turns` turns, each continuing the last; the deployment that answered each turn. */
  const converse = async (clients: OpenAI[], turns: number, stream: boolean): Promise<string[]> => {
    const answered: string[] = [];
    let previous: string | undefined;
    for (let i = 0; i < turns; i++) {
      const client = clients[i % clients.length]!;
      const request = { model: 'codex', input: `turn ${i}`, ...(previous !== undefined && { previous_response_id: previous }) };
      let id: string;
      let text: string;
      if (stream) {
        const events = await client.responses.create({ ...request, stream: true });
        id = '';
        text = '';
        for await (const event of events) {
          if (event.type === 'response.created') id = event.response.id;
          if (event.type === 'response.output_text.delta') text += event.delta;
        }
      } else {
        const response = await client.responses.create(request);
        id = response.id;
        text = response.output_text;
      }
      answered.push(text.replace('from ', ''));
      previous = id;
    }
    return answered;
  };

  it('sends every follow-up turn to the deployment that stored the turn before, streamed or not', async () => {
    const client = await startPlane();
    for (const stream of [false, true]) {
      // Two conversations: with random routing, each may start on either deployment; all its turns stay there.
      for (let c = 0; c < 2; c++) {
        const answered = await converse([client], 8, stream);
        expect(new Set(answered).size).toBe(1);
      }
    }
    // No upstream ever saw a previous response it did not store (it would have answered 404, failing a turn above).
    expect(a.previous.length + b.previous.length).toBe(32);
  });

  it('leaves a request with store: false, and one naming an unknown response, to the router', async () => {
    const client = await startPlane();
    const first = await client.responses.create({ model: 'codex', input: 'hi', store: false });
    // Not stored upstream, not remembered: a follow-up naming it is routed as usual and the upstream says so.
    const before = { a: a.previous.length, b: b.previous.length };
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => client.responses.create({ model: 'codex', input: 'more', previous_response_id: first.id })));
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as { status?: number }).status === 400)).toBe(true);
    // Both deployments were asked (20 requests at random: all on one side has odds of 1 in 500,000).
    expect(a.previous.length - before.a).toBeGreaterThan(0);
    expect(b.previous.length - before.b).toBeGreaterThan(0);
  });

  it('keeps the affinity across data planes sharing Redis', async () => {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const one = await startPlane(redisUrl);
    const two = await startPlane(redisUrl);
    for (const stream of [false, true]) {
      for (let c = 0; c < 2; c++) {
        // Turns alternate between the two data planes: each follow-up lands on the plane that did not see the turn before.
        const answered = await converse([one, two], 6, stream);
        expect(new Set(answered).size).toBe(1);
      }
    }
  });

  it('serves the stored-response routes from the deployment that stored the response, to the key that created it', async () => {
    const client = await startPlane();
    const created = await client.responses.create({ model: 'codex', input: 'remember me' });
    const holder = created.output_text.endsWith('a') ? a : b;
    const other = holder === a ? b : a;
    const before = other.lookups.length;

    // Retrieve: the provider's object as is.
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, status: 'completed', output_text: created.output_text });
    // Input items, with the query string passed on.
    const items = await client.responses.inputItems.list(created.id, { limit: 1 });
    expect(items.data).toEqual([expect.objectContaining({ type: 'message', role: 'user' })]);
    expect(holder.lookups.at(-1)).toBe(`GET /v1/responses/${created.id}/input_items?limit=1`);
    // Cancel: the provider's refusal, in OpenAI's shape with its status.
    const cancel = await client.responses.cancel(created.id).catch((e: unknown) => e);
    expect(cancel).toBeInstanceOf(OpenAI.BadRequestError);
    expect((cancel as Error).message).toContain('Only responses created with background=true can be cancelled.');
    // The other deployment was never asked.
    expect(other.lookups.length).toBe(before);

    // Another key of the same team cannot reach it; nor can anyone reach an id Tollgate never saw.
    const second = new OpenAI({ apiKey: SECOND_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    for (const attempt of [second.responses.retrieve(created.id), client.responses.retrieve('resp_never_seen')]) {
      const err = await attempt.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as { error?: { code?: string } }).error?.code).toBe('response_not_found');
    }
    expect(holder.lookups.filter((l) => l.startsWith('GET /v1/responses/resp_never_seen'))).toHaveLength(0);

    // The same under Azure's v1 prefix.
    const viaAzureV1 = await fetch(`${baseUrl}/openai/v1/responses/${created.id}`, { headers: { authorization: `Bearer ${KEYS.full}` } });
    expect(viaAzureV1.status).toBe(200);
    expect(((await viaAzureV1.json()) as { id: string }).id).toBe(created.id);

    // Delete, then it is gone upstream (the provider's own 404).
    await client.responses.delete(created.id);
    const gone = await client.responses.retrieve(created.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect((gone as Error).message).toContain(`Response with id '${created.id}' not found.`);

    // Methods the API does not have on these paths are a 404 route error, not a call upstream.
    const wrong = await fetch(`${baseUrl}/v1/responses/${created.id}/cancel`, { headers: { authorization: `Bearer ${KEYS.full}` } });
    expect(wrong.status).toBe(404);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it("refuses to continue another key's stored response as the provider refuses an unknown one, asking no upstream", async () => {
    const client = await startPlane();
    const second = new OpenAI({ apiKey: SECOND_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    // On a model of one deployment (nothing to route) and of two, streamed or not.
    for (const modelName of ['solo', 'codex']) {
      const created = await client.responses.create({ model: modelName, input: 'my secret plan' });
      const before = a.previous.length + b.previous.length;
      for (const stream of [false, true]) {
        const err = await second.responses.create({ model: modelName, input: 'what was the plan?', previous_response_id: created.id, stream }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        expect((err as { error?: unknown }).error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id', message: `Previous response with id '${created.id}' not found.` });
      }
      expect(a.previous.length + b.previous.length).toBe(before);
      // Its own key continues it.
      const next = await client.responses.create({ model: modelName, input: 'go on', previous_response_id: created.id });
      expect(next.output_text).toBe(created.output_text);
    }
  });
});
