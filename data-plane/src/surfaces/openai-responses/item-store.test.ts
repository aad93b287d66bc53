import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { deleteKeys, TEST_REDIS_URL } from '../../test-support/limits.js';
import { setTimeout as wait } from 'node:timers/promises';
import { ResponseItemStore, resolveItemReferences } from './item-store.js';

const run = randomUUID().slice(0, 8);
const id = (name: string) => `msg_test_${run}_${name}`;
const message = (name: string, text: string) => ({ id: id(name), type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });

describe('ResponseItemStore', () => {
  const connections: Redis[] = [];
  const redis = () => {
    const connection = new Redis(TEST_REDIS_URL);
    connections.push(connection);
    return connection;
  };
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await deleteKeys(`tollgate:response-item:msg_test_${run}_`);
  });

  it('finds an item kept by another data plane through Redis, for the key that made it only', async () => {
    const one = new ResponseItemStore(redis(), silentLogger);
    const two = new ResponseItemStore(redis(), silentLogger);
    one.keep('k-1', [message('shared', 'Hello, Ada.')]);
    await wait(50);
    expect([...(await two.find('k-1', [id('shared'), id('other')])).entries()]).toEqual([[id('shared'), message('shared', 'Hello, Ada.')]]);
    expect((await two.find('k-2', [id('shared')])).size).toBe(0);
    expect((await one.find('k-2', [id('shared')])).size).toBe(0);
  });

  it('forgets items after their time, in process and in Redis', async () => {
    const store = new ResponseItemStore(redis(), silentLogger, 200);
    const alone = new ResponseItemStore(null, silentLogger, 200);
    store.keep('k-1', [message('brief', 'soon gone')]);
    alone.keep('k-1', [message('brief-local', 'soon gone')]);
    expect((await store.find('k-1', [id('brief')])).size).toBe(1);
    await wait(300);
    expect((await store.find('k-1', [id('brief')])).size).toBe(0);
    expect((await new ResponseItemStore(redis(), silentLogger).find('k-1', [id('brief')])).size).toBe(0);
    expect((await alone.find('k-1', [id('brief-local')])).size).toBe(0);
  });

  it('keeps at most its size in process, dropping the oldest first', async () => {
    const store = new ResponseItemStore(null, silentLogger, 60_000, 3 * JSON.stringify(message('n0', 'x'.repeat(200))).length);
    for (let i = 0; i < 10; i++) store.keep('k-1', [message(`n${i}`, 'x'.repeat(200))]);
    const found = await store.find('k-1', Array.from({ length: 10 }, (_, i) => id(`n${i}`)));
    expect([...found.keys()]).toEqual([id('n7'), id('n8'), id('n9')]);
  });

  it('keeps nothing with a time of 0', async () => {
    const store = new ResponseItemStore(redis(), silentLogger, 0);
    store.keep('k-1', [message('never', 'x')]);
    expect((await store.find('k-1', [id('never')])).size).toBe(0);
  });

  it('replaces the references it knows in a request, in place, and leaves the rest', async () => {
    const store = new ResponseItemStore(null, silentLogger);
    store.keep('k-1', [message('known', 'Hi.')]);
    const body = { input: [{ role: 'user', content: 'hi' }, { type: 'item_reference', id: id('known') }, { id: id('unknown') }, { id: id('known') }] };
    await resolveItemReferences(store, 'k-1', body);
    expect(body.input).toEqual([{ role: 'user', content: 'hi' }, message('known', 'Hi.'), { id: id('unknown') }, message('known', 'Hi.')]);
  });
});
