import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, type ControlPlaneProcess } from '../src/processes.js';

/**
 * A control plane stopped with SIGTERM (a rolling restart) drains: admin calls already on their way, on kept-alive
 * connections too, are answered as usual, then their connections close, so the next call goes to another replica.
 * Before, Apollo's own signal handler stopped GraphQL at the signal and every call of the drain answered 500
 * "Internal server error" (outside tests only: Apollo leaves signals alone when NODE_ENV is test, so this process
 * runs as in production).
 */
describe('a control plane stopped with SIGTERM under admin load', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;

  beforeAll(async () => {
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url, env: { NODE_ENV: 'production' } });
  });
  afterAll(async () => {
    await cp?.process.stop();
    await db?.drop();
  });

  it('answers every call on its way, never a 500, and closes kept-alive connections', async () => {
    const agent = new Agent({ connections: 4, pipelining: 1 });
    const statuses: number[] = [];
    let closes = 0;
    let refused = 0;
    let stop = false;
    const loop = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await request(cp.graphqlUrl, {
            method: 'POST',
            dispatcher: agent,
            headers: { authorization: `Bearer ${cp.masterKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: `mutation { createTeam(input: { name: "drain-${n}-${i}" }) { id } }` }),
          });
          statuses.push(res.statusCode);
          if (res.headers.connection === 'close') closes++;
          const body = (await res.body.json()) as { errors?: unknown[] };
          if (res.statusCode === 200) expect(body.errors).toBeUndefined();
        } catch {
          // The server is gone: connection refused or reset between calls, which a client retries elsewhere.
          refused++;
          if (refused > 20) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const loops = [0, 1, 2, 3].map(loop);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = statuses.length;
    cp.process.child.kill('SIGTERM');
    const code = await cp.process.waitExit();
    stop = true;
    await Promise.all(loops);
    await agent.close();
    expect(code).toBe(0);
    expect(before).toBeGreaterThan(0);
    // Every answer is a success: none is the 500 of a stopped GraphQL server.
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The calls the drain answered told their clients to reconnect (elsewhere).
    expect(closes).toBeGreaterThan(0);
  });
});
