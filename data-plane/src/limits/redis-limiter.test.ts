import { fork, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, admitInput, deleteKeys, sleep, testBudget, testKeyPrefix, testSubject } from '../test-support/limits.js';
import type { WorkerCommand, WorkerReply } from '../test-support/limiter-worker.js';
import { startRedisServer, type RedisServer } from '../test-support/redis-server.js';
import { waitFor } from '../test-support/wait.js';
import { failFastRedis, runScript } from '../redis/connection.js';
import { RESOLVE_FAILED, SETTLE_AND_ADMIT } from './redis-scripts.js';
import { BUDGET_GRACE_MS } from './admission.js';
import { MAX_BATCH, RedisLimiter } from './redis-limiter.js';
import type { AdmitInput, AdmitResult, LimitSubject, SettleInput, Ticket } from './types.js';

const prefix = testKeyPrefix();
afterAll(() => deleteKeys(prefix));

/** A `RedisLimiter` in a process of its own: a data plane, as far as the counters can tell. */
class LimiterProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: WorkerReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  static async start(): Promise<LimiterProcess> {
    const script = new URL('../test-support/limiter-worker.ts', import.meta.url).pathname;
    const child = fork(script, [TEST_REDIS_URL, prefix, '60000'], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const process = new LimiterProcess(child);
    await new Promise<void>((resolve, reject) => {
      process.pending.set(0, () => resolve());
      child.once('exit', (code) => reject(new Error(`limiter worker exited (${code}) before it was ready`)));
    });
    return process;
  }

  request(message: WorkerCommand): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...message, id });
    });
  }

  close(): void {
    this.child.disconnect();
  }
}

/** Three data planes sharing one Redis; requests are dealt out in turn, and the three send theirs at the same time. */
class DataPlanes {
  private readonly admittedBy = new Map<string, LimiterProcess>();

  constructor(private readonly processes: LimiterProcess[]) {}

  /** Each process's results. */
  async admit(inputs: AdmitInput[]): Promise<AdmitResult[][]> {
    const shares = this.processes.map((_, p) => inputs.filter((_, i) => i % this.processes.length === p));
    const atMs = Date.now() + 100;
    const replies = await Promise.all(this.processes.map((process, p) => process.request({ op: 'admit', inputs: shares[p]!, atMs })));
    return replies.map((reply, p) =>
      reply.results!.map((result) => {
        if (result.ok) this.admittedBy.set(result.ticket.requestId, this.processes[p]!);
        return result;
      }),
    );
  }

  /** Settles each ticket in the process that admitted it. */
  async settle(settles: Array<{ ticket: Ticket; actual: SettleInput }>): Promise<void> {
    await Promise.all(
      this.processes.map((process) =>
        process.request({
          op: 'settle',
          settles: settles.filter(({ ticket }) => this.admittedBy.get(ticket.requestId) === process).map(({ ticket, actual }) => ({ requestId: ticket.requestId, actual })),
        }),
      ),
    );
  }
}

const all = (byProcess: AdmitResult[][]) => byProcess.flat();
const inputs = (n: number, subject: LimitSubject, over: Partial<AdmitInput> = {}) => Array.from({ length: n }, () => admitInput([subject], over));
const admitted = (results: AdmitResult[]) => results.filter((r): r is Extract<AdmitResult, { ok: true }> => r.ok);
const settled = (nanos = 0n): SettleInput => ({ tokens: 0, nanos, nowMs: Date.now() });

describe('RedisLimiter across data-plane processes', () => {
  let processes: LimiterProcess[] = [];
  let planes: DataPlanes;
  beforeAll(async () => {
    processes = await Promise.all([LimiterProcess.start(), LimiterProcess.start(), LimiterProcess.start()]);
    planes = new DataPlanes(processes);
  }, 30_000);
  afterAll(() => {
    for (const process of processes) process.close();
  });

  it('admits exactly rpm of 200 requests sent at once through three processes', async () => {
    const byProcess = await planes.admit(inputs(200, testSubject({ rpm: 60 })));
    const results = all(byProcess);
    expect(admitted(results)).toHaveLength(60);
    // The processes really competed: more than one of them had requests admitted.
    expect(byProcess.filter((share) => admitted(share).length > 0).length).toBeGreaterThan(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.refusal.kind === 'rpm')).toBe(true);
  });

  it('admits exactly the token reservations that fit tpm', async () => {
    const results = all(await planes.admit(inputs(200, testSubject({ tpm: 1_000 }), { reserveTokens: 100 })));
    expect(admitted(results)).toHaveLength(10);
  });

  it('holds exactly the parallel limit in flight, and admits more once those settle', async () => {
    const subject = testSubject({ parallel: 5 });
    const first = admitted(all(await planes.admit(inputs(50, subject))));
    expect(first).toHaveLength(5);
    expect(admitted(all(await planes.admit(inputs(50, subject))))).toHaveLength(0);
    await planes.settle(first.map((r) => ({ ticket: r.ticket, actual: settled() })));
    expect(admitted(all(await planes.admit(inputs(50, subject))))).toHaveLength(5);
  });

  it('admits exactly the budget reservations that fit, and counts the actual costs to the nano-dollar', async () => {
    const reserve = 2_000_000n;
    const budget = testBudget(10n * reserve, { seedNanos: 0n });
    const subject = testSubject({ id: `${testSubject().id}:team/ü`, budget });
    const ok = admitted(all(await planes.admit(inputs(50, subject, { reserveNanos: reserve }))));
    expect(ok).toHaveLength(10);
    const actuals = ok.map((_, i) => reserve + BigInt(i * 7_919 - 30_000));
    await planes.settle(ok.map((r, i) => ({ ticket: r.ticket, actual: settled(actuals[i]!) })));
    const redis = new Redis(TEST_REDIS_URL);
    const spent = await redis.get(`${prefix}key:${subject.id.replace(':', '%3A')}:budget:${budget.periodId}`);
    redis.disconnect();
    expect(BigInt(spent!)).toBe(actuals.reduce((a, b) => a + b, 0n));
  });
});

describe('RedisLimiter', () => {
  let redis: Redis;
  let limiter: RedisLimiter;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    limiter = new RedisLimiter(new Redis(TEST_REDIS_URL), { keyPrefix: prefix, leaseMs: 30_000 });
  });
  afterAll(async () => {
    await limiter.close();
    redis.disconnect();
  });

  it("times windows by Redis's clock, so data planes whose clocks disagree share them", async () => {
    const subject = testSubject({ rpm: 2 });
    expect((await limiter.admit(admitInput([subject], { nowMs: Date.now() + 3_600_000 }))).ok).toBe(true);
    expect((await limiter.admit(admitInput([subject], { nowMs: Date.now() - 3_600_000 }))).ok).toBe(true);
    expect(await limiter.admit(admitInput([subject]))).toMatchObject({ ok: false, refusal: { kind: 'rpm', retryAfterSeconds: 30 } });
  });

  it('names counters by kind and escaped id, and keeps none longer than it matters', async () => {
    const base = testSubject().id;
    const id = `${base}:x%`;
    const periodEndMs = Date.now() + 600_000;
    const subject = testSubject({ kind: 'end_user', id, rpm: 10, tpm: 1_000, parallel: 2, budget: testBudget(1_000n, { periodId: 'p1', periodEndMs }) });
    const result = await limiter.admit(admitInput([subject], { reserveTokens: 100, reserveNanos: 10n }));
    const stem = `${prefix}end_user:${base}%3Ax%25`;
    const ttl = async (suffix: string) => redis.pttl(`${stem}:${suffix}`);
    // Windows go when they are empty again (6 s for one request at 10 rpm), in-flight sets when their leases end,
    // budget counters a while after their period.
    expect(await ttl('rpm')).toBeGreaterThan(5_900);
    expect(await ttl('rpm')).toBeLessThanOrEqual(6_001);
    expect(await ttl('tpm')).toBeGreaterThan(5_900);
    expect(await ttl('parallel')).toBeGreaterThan(29_000);
    expect(await ttl('parallel')).toBeLessThanOrEqual(30_000);
    expect(Math.abs((await ttl('budget:p1')) - (periodEndMs + BUDGET_GRACE_MS - Date.now()))).toBeLessThan(5_000);
    expect(await redis.get(`${stem}:budget:p1`)).toBe('10');

    if (!result.ok) throw new Error('expected an admission');
    await limiter.settle(result.ticket, { tokens: 0, nanos: 7n, nowMs: Date.now() });
    // All tokens given back and the slot freed: nothing left to keep.
    expect(await redis.exists(`${stem}:tpm`, `${stem}:parallel`)).toBe(0);
    expect(await redis.get(`${stem}:budget:p1`)).toBe('7');
  });

  // A data plane killed (OOM, SIGKILL) with requests in flight never settles them: their reservations end with their
  // lease, as in-flight slots do, instead of holding the budget for good (a budget without a period never resets).
  it("releases the reservations of requests never settled once their lease ends, and counts a late settle's whole cost", async () => {
    const short = new RedisLimiter(new Redis(TEST_REDIS_URL), { keyPrefix: prefix, leaseMs: 300 });
    // The data plane that dies: it renewed its requests' leases while it lived.
    const dying = new RedisLimiter(new Redis(TEST_REDIS_URL), { keyPrefix: prefix, leaseMs: 300 });
    try {
      const subject = testSubject({ parallel: 1, budget: testBudget(1_000n, { periodId: 'forever', periodEndMs: null }) });
      const crashed = await dying.admit(admitInput([subject], { reserveNanos: 600n }));
      expect(crashed.ok).toBe(true);
      // Taken by the request in flight: refused for now, and for as long as its data plane lives.
      expect(await short.admit(admitInput([subject], { reserveNanos: 600n }))).toMatchObject({ ok: false, refusal: { kind: 'parallel' } });
      await sleep(700);
      expect(await short.admit(admitInput([subject], { reserveNanos: 600n }))).toMatchObject({ ok: false, refusal: { kind: 'parallel' } });
      await dying.close();
      await sleep(400);
      const next = await short.admit(admitInput([subject], { reserveNanos: 600n }));
      expect(next.ok).toBe(true);
      const counter = `${prefix}key:${subject.id}:budget:forever`;
      expect(await redis.get(counter)).toBe('600');
      expect(await redis.get(`${counter}:r`)).toBe('600');
      // The first request settles after all (its data plane was only slow): its whole cost counts, nothing of it is
      // released twice.
      if (!crashed.ok || !next.ok) throw new Error('expected admissions');
      await short.settle(crashed.ticket, { tokens: 0, nanos: 100n, nowMs: Date.now() });
      expect(await redis.get(counter)).toBe('700');
      expect(await redis.get(`${counter}:r`)).toBe('600');
      await short.settle(next.ticket, { tokens: 0, nanos: 200n, nowMs: Date.now() });
      expect(await redis.get(counter)).toBe('300');
      expect(await redis.exists(`${counter}:r`, `${counter}:rz`)).toBe(0);
    } finally {
      await short.close();
    }
  });
});

describe('RedisLimiter on a Redis of its own', () => {
  let server: RedisServer;
  let admin: Redis;
  let limiter: RedisLimiter;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    admin.on('error', () => undefined); // while a test has the server stopped
  }, 10_000);
  afterEach(async () => {
    await limiter.close();
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('makes one script call per admit and one per settle, whatever the number of subjects, when they come one by one', async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    const subjects = (['key', 'user', 'team', 'org'] as const).map((kind) =>
      testSubject({ kind, rpm: 1_000, tpm: 100_000, budget: testBudget(1_000_000_000n) }),
    );
    const request = async () => {
      const result = await limiter.admit(admitInput(subjects, { reserveTokens: 100, reserveNanos: 1_000n }));
      if (!result.ok) throw new Error('expected an admission');
      await limiter.settle(result.ticket, { tokens: 50, nanos: 900n, nowMs: Date.now() });
    };
    await request(); // loads the scripts
    await admin.config('RESETSTAT');
    for (let i = 0; i < 3; i++) await request();
    // Commands the scripts run are counted too; of the client's own, only the six script calls.
    const stats = await admin.info('commandstats');
    expect(stats).toMatch(/cmdstat_evalsha:calls=6,.*failed_calls=0/);
    expect(stats).not.toMatch(/cmdstat_eval:/);
  });

  it('sends the admits of one event-loop turn as one script call, in order, each answered for itself', async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    await limiter.admit(admitInput([testSubject({ rpm: 1 })])); // loads the script
    const key = testSubject({ rpm: 6 });
    const team = testSubject({ kind: 'team', parallel: 2 });
    await admin.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => limiter.admit(admitInput(i % 2 === 0 ? [key, team] : [key]))));
    expect((await admin.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+)/)?.[1]).toBe('1');
    // Each request all or nothing, seeing what those before it took: the team's two slots go to requests 0 and 2,
    // so 4 and 6 are refused without counting against the key, which then admits 5 and 7 as its fifth and sixth.
    expect(results.map((r) => (r.ok ? 'ok' : r.refusal.kind))).toEqual(['ok', 'ok', 'ok', 'ok', 'parallel', 'ok', 'parallel', 'ok', 'rpm', 'rpm']);
    expect(admitted(results).map((r) => r.status.requests?.remaining)).toEqual([5, 4, 3, 2, 1, 0]);

    await admin.config('RESETSTAT');
    await Promise.all(admitted(results).map((r) => limiter.settle(r.ticket, settled())));
    expect((await admin.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+)/)?.[1]).toBe('1');
    const again = await Promise.all([1, 2, 3].map(() => limiter.admit(admitInput([team]))));
    expect(again.map((r) => r.ok)).toEqual([true, true, false]);
  });

  it('settles and admits of one turn go as one script call, settles first: a slot freed in the turn is there for its admits', async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    await limiter.admit(admitInput([testSubject({ rpm: 1 })])); // loads the script
    const key = testSubject({ parallel: 1 });
    const first = await limiter.admit(admitInput([key]));
    if (!first.ok) throw new Error('expected an admission');
    await admin.config('RESETSTAT');
    // In one turn: the admit comes first, but the settle of the request holding the only slot goes before it.
    const [second] = await Promise.all([limiter.admit(admitInput([key])), limiter.settle(first.ticket, settled())]);
    expect(second.ok).toBe(true);
    expect((await admin.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+)/)?.[1]).toBe('1');
  });

  it("reads and writes each counter once per turn: a turn's budget reservations and corrections add up exactly", async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    await limiter.admit(admitInput([testSubject({ rpm: 1 })])); // loads the script
    const key = testSubject({ tpm: 1_000, parallel: 10, budget: testBudget(1_000n, { seedNanos: 100n }) });
    const calls = async (command: string) => Number((await admin.info('commandstats')).match(new RegExp(`cmdstat_${command}:calls=(\\d+)`))?.[1] ?? 0);

    await admin.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 5 }, () => limiter.admit(admitInput([key], { reserveTokens: 100, reserveNanos: 300n }))));
    // The seed (100) and three reservations (900) fit; the next two are refused, told what is spent and reserved.
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(results.slice(3).map((r) => !r.ok && [r.refusal.spentNanos, r.refusal.reservedNanos])).toEqual([
      [1_000n, 900n],
      [1_000n, 900n],
    ]);
    expect(admitted(results).map((r) => r.status.tokens?.remaining)).toEqual([900, 800, 700]);
    // One script call; in it one read of each counter (and, for the refusals, of what the budget holds reserved, after
    // one look for reservations whose lease ended), and one write (the budget seeded, then added to once; what it
    // holds reserved, and the reservations with their leases, one ZADD, made to expire with it: two PEXPIREs beside the
    // batch's mark and the in-flight set's).
    const admitCalls = ['evalsha', 'get', 'incrby', 'zadd', 'zcard', 'pexpire', 'zrangebyscore'];
    expect(await Promise.all(admitCalls.map(calls))).toEqual([1, 3, 2, 2, 1, 4, 1]);
    const [budgetKey] = (await admin.keys(`*${key.id}:budget:*`)).filter((k) => !/:rz?$/.test(k));
    expect(await admin.get(budgetKey!)).toBe('1000');
    expect(await admin.get(`${budgetKey!}:r`)).toBe('900');
    expect(await admin.pttl(`${budgetKey!}:r`)).toBeGreaterThan(0);
    expect(await admin.zcard(`${budgetKey!}:rz`)).toBe(3);
    expect(await admin.pttl(`${budgetKey!}:rz`)).toBeGreaterThan(0);

    await admin.config('RESETSTAT');
    await Promise.all(admitted(results).map((r) => limiter.settle(r.ticket, { tokens: 50, nanos: 250n, nowMs: Date.now() })));
    // The in-flight set's and the reservations' ZREM, one ZMSCORE for the three.
    const settleCalls = ['evalsha', 'incrby', 'decrby', 'zrem', 'zmscore'];
    expect(await Promise.all(settleCalls.map(calls))).toEqual([1, 1, 1, 2, 1]);
    expect(await admin.get(budgetKey!)).toBe('850');
    // Nothing reserved any more: gone.
    expect(await admin.exists(`${budgetKey!}:r`, `${budgetKey!}:rz`)).toBe(0);
    expect(await admin.zcard(`${budgetKey!.slice(0, budgetKey!.indexOf(':budget:'))}:parallel`)).toBe(0);
    // The tokens not used came back: 150 of the 1,000 are taken, so a reservation of 850 fits and one more does not.
    const next = await Promise.all([850, 1].map((reserveTokens) => limiter.admit(admitInput([key], { reserveTokens }))));
    expect(next.map((r) => (r.ok ? 'ok' : r.refusal.kind))).toEqual(['ok', 'tpm']);
  });

  it(`cuts batches at ${MAX_BATCH} requests`, async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    await limiter.admit(admitInput([testSubject({ rpm: 1 })])); // loads the script
    const key = testSubject({ rpm: 300 });
    await admin.config('RESETSTAT');
    const results = await Promise.all(Array.from({ length: 301 }, () => limiter.admit(admitInput([key]))));
    expect((await admin.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+)/)?.[1]).toBe('2');
    expect(results.map((r) => r.ok)).toEqual([...Array.from({ length: 300 }, () => true), false]);
  });

  it('rejects every admit of a batch that fails', async () => {
    const client = new Redis(server.url, { lazyConnect: true });
    client.disconnect();
    limiter = new RedisLimiter(client);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => limiter.admit(admitInput([testSubject({ rpm: 10 })]))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('counts subjects whose ids are not ASCII (an end user named by the client) under their own keys', async () => {
    limiter = new RedisLimiter(new Redis(server.url), { keyPrefix: `${prefix}utf8:` });
    const zoe = testSubject({ kind: 'end_user', id: 'Zoë 🚀 東京', rpm: 1 });
    const zoey = testSubject({ kind: 'end_user', id: 'Zoey', rpm: 1 });
    const [first, second, other] = await Promise.all([limiter.admit(admitInput([zoe])), limiter.admit(admitInput([zoe])), limiter.admit(admitInput([zoey]))]);
    expect([first.ok, second.ok, other.ok]).toEqual([true, false, true]);
    expect(await admin.keys(`${prefix}utf8:end_user:Zoë 🚀 東京:*`)).toHaveLength(1);
  });

  it('loads its scripts again when Redis has lost them', async () => {
    limiter = new RedisLimiter(new Redis(server.url));
    const subject = testSubject({ rpm: 2, tpm: 1_000 });
    const first = await limiter.admit(admitInput([subject], { reserveTokens: 500 }));
    await admin.script('FLUSH');
    if (!first.ok) throw new Error('expected an admission');
    await limiter.settle(first.ticket, { tokens: 100, nanos: 0n, nowMs: Date.now() });
    await admin.script('FLUSH');
    expect((await limiter.admit(admitInput([subject], { reserveTokens: 900 }))).ok).toBe(true);
    expect(await limiter.admit(admitInput([subject]))).toMatchObject({ ok: false, refusal: { kind: 'rpm' } });
  });

  describe('when a call fails (Redis away, or slower than the command timeout)', () => {
    /** A limiter whose commands time out after 100 ms, on a Redis that has its script. */
    const slowable = async () => {
      const created = new RedisLimiter(failFastRedis(server.url, { commandTimeoutMs: 100 }), { commandTimeoutMs: 100 });
      await waitFor(() => created.ready, 'the limiter to connect');
      await created.admit(admitInput([testSubject({ rpm: 1 })])); // loads the script
      return created;
    };
    /** Admits taken one after the other (each its own turn): ok, or the kind of limit that refused it. */
    const admitEach = async (inputs: AdmitInput[]) => {
      const kinds: string[] = [];
      for (const input of inputs) {
        const result = await limiter.admit(input);
        kinds.push(result.ok ? 'ok' : result.refusal.kind);
      }
      return kinds;
    };
    /** Drops every connection but the admin's: a call waiting in Redis goes with its connection, never run. */
    const dropLimiterConnections = async () => {
      const own = String(await admin.client('ID'));
      const ids = [...String(await admin.client('LIST')).matchAll(/^id=(\d+) /gm)].map((m) => m[1]!).filter((id) => id !== own);
      for (const id of ids) await admin.client('KILL', 'ID', id);
    };

    it('gives back what a timed-out admit took when Redis ran it late: slot, tokens and budget are free again', async () => {
      limiter = await slowable();
      const tokens = testSubject({ tpm: 1_000, budget: testBudget(1_000n) });
      const slot = testSubject({ kind: 'team', parallel: 1 });
      await admin.client('PAUSE', 400, 'WRITE');
      // Redis holds the call past the timeout, so the request went on without Redis (the Limiter decides how)...
      await expect(limiter.admit(admitInput([tokens, slot], { reserveTokens: 600, reserveNanos: 700n }))).rejects.toThrow(/timed out/i);
      // ...then runs it: the slot, 600 tokens and 700 nano-USD taken for a request Redis will never hear of again.
      await waitFor(() => limiter.pendingRetries === 0, 'the failed batch to be resolved');
      // (A rate window drains as time goes: 1,000 tokens a minute here, so 600 taken would still refuse 1,000 seconds on.)
      expect(await admitEach([admitInput([slot]), admitInput([tokens], { reserveTokens: 1_000, reserveNanos: 1_000n })])).toEqual(['ok', 'ok']);
    });

    it('gives back only what the admits of a timed-out batch took, not what it refused', async () => {
      limiter = await slowable();
      const tokens = testSubject({ tpm: 1_000 });
      const slots = testSubject({ kind: 'team', parallel: 2 });
      const holder = await limiter.admit(admitInput([tokens, slots], { reserveTokens: 600 }));
      expect(holder.ok).toBe(true);
      await admin.client('PAUSE', 400, 'WRITE');
      // One batch, after the timeout: the first takes the last slot and 300 tokens, the second is refused (no slot,
      // no tokens left). Giving the second back too would hand 300 of the holder's tokens out.
      const late = await Promise.allSettled([300, 300].map((reserveTokens) => limiter.admit(admitInput([tokens, slots], { reserveTokens }))));
      expect(late.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      await waitFor(() => limiter.pendingRetries === 0, 'the failed batch to be resolved');
      // The holder keeps its slot and 600 tokens: one slot is free, and 700 tokens do not fit.
      expect(await admitEach([admitInput([slots]), admitInput([slots]), admitInput([tokens], { reserveTokens: 700 })])).toEqual(['ok', 'parallel', 'tpm']);
    });

    it('records what a call refused only when it runs late enough for its data plane to have given up on it', async () => {
      limiter = await slowable();
      const records = async () => (await admin.keys('tg:batches:*#*')).length;
      const before = await records();
      const slot = testSubject({ kind: 'team', parallel: 1 });
      expect((await limiter.admit(admitInput([slot]))).ok).toBe(true);
      // Refused on time: nothing to record, no retry can follow.
      expect(await admitEach([admitInput([slot]), admitInput([slot])])).toEqual(['parallel', 'parallel']);
      expect(await records()).toBe(before);
      // Refused late: recorded, for the retry.
      await admin.client('PAUSE', 300, 'WRITE');
      await expect(limiter.admit(admitInput([slot]))).rejects.toThrow(/timed out/i);
      await waitFor(() => limiter.pendingRetries === 0, 'the failed batch to be resolved');
      expect(await records()).toBe(before + 1);
    });

    it('applies a settle whose call never ran once Redis answers again, once', async () => {
      limiter = await slowable();
      const tokens = testSubject({ tpm: 1_000 });
      const slot = testSubject({ kind: 'team', parallel: 1 });
      const first = await limiter.admit(admitInput([tokens, slot], { reserveTokens: 900 }));
      if (!first.ok) throw new Error('expected an admission');
      await admin.client('PAUSE', 5_000, 'WRITE');
      await limiter.settle(first.ticket, { tokens: 100, nanos: 0n, nowMs: Date.now() });
      expect(limiter.pendingRetries).toBe(1);
      await dropLimiterConnections();
      await admin.client('UNPAUSE');
      await waitFor(() => limiter.pendingRetries === 0, 'the settle to be retried', 5_000);
      // The slot is free and 100 tokens are taken, so 800 more fit (with the 900 reserved still taken, they would
      // not, however much of the window a few seconds drained).
      expect(await admitEach([admitInput([slot]), admitInput([tokens], { reserveTokens: 800 })])).toEqual(['ok', 'ok']);
    });

    it("whichever of a batch's call and its retry reaches Redis first decides: a call that comes after its retry does nothing", async () => {
      const mark = `${prefix}batches:test:${Date.now()}`;
      const slots = `${prefix}late:parallel`;
      const head = (at: string) => [60_000, BUDGET_GRACE_MS, at, 60_000, 0, 0];
      /** The batch's call: it admits one request that takes a slot of `slots` (limit 5). */
      const call = (at: string) => runScript(admin, SETTLE_AND_ADMIT, [mark, mark + at, slots], [...head(at), `req${at}`, 0, '0', 1, '', '', 5, '', '', '']);
      const retry = (at: string) => runScript(admin, RESOLVE_FAILED, [mark, mark + at, slots], [...head(at), `req${at}`, 0, '0', '0', 1, '', '1', '', '']);

      // Retry first: the call had not run (mark 0), and, come late, does nothing (nil) and takes no slot.
      expect(await retry('#0')).toBe(0);
      expect(await call('#0')).toBeNull();
      expect(await admin.zcard(slots)).toBe(0);
      // Call first: it takes its slot (mark 1); the retry gives it back (mark 3), and a second retry does nothing.
      expect(await call('#1')).toEqual([[1, -1, -1, -1, -1, -1, -1], expect.any(Number)]);
      expect(await admin.zcard(slots)).toBe(1);
      expect(await retry('#1')).toBe(1);
      expect(await admin.zcard(slots)).toBe(0);
      expect(await retry('#1')).toBe(3);
      expect(await admin.call('BITFIELD', mark, 'GET', 'u2', '#0', 'GET', 'u2', '#1')).toEqual([2, 3]);
      expect(await admin.pttl(mark)).toBeGreaterThan(50_000);
    });

    it('gives a failed call up once it is older than the retry window, counted and logged', async () => {
      const warnings: string[] = [];
      const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };
      const client = failFastRedis(server.url, { commandTimeoutMs: 100 });
      client.on('error', () => undefined); // reconnect attempts while the server is away
      limiter = new RedisLimiter(client, { commandTimeoutMs: 100, retryWindowMs: 200, logger });
      await waitFor(() => limiter.ready, 'the limiter to connect');
      const first = await limiter.admit(admitInput([testSubject({ kind: 'team', parallel: 1 })]));
      if (!first.ok) throw new Error('expected an admission');
      await server.stop();
      try {
        await limiter.settle(first.ticket, settled());
        expect([limiter.pendingRetries, limiter.droppedRetries]).toEqual([1, 0]);
        // Redis stays away past the window: the next retry round drops the call instead of sending it.
        await waitFor(() => limiter.pendingRetries === 0, 'the failed call to be given up', 3_000);
        expect(limiter.droppedRetries).toBe(1);
        expect(warnings).toEqual([expect.stringMatching(/settle failed/), expect.stringMatching(/did not confirm in time are dropped/)]);
      } finally {
        await server.start();
      }
    });

    it('does not apply a settle twice when its timed-out call ran after all', async () => {
      limiter = await slowable();
      const tokens = testSubject({ tpm: 1_000 });
      const first = await limiter.admit(admitInput([tokens], { reserveTokens: 900 }));
      if (!first.ok) throw new Error('expected an admission');
      await admin.client('PAUSE', 400, 'WRITE');
      await limiter.settle(first.ticket, { tokens: 300, nanos: 0n, nowMs: Date.now() });
      expect(limiter.pendingRetries).toBe(1);
      await waitFor(() => limiter.pendingRetries === 0, 'the settle to be retried');
      // Given back once (600 of the 900): 300 taken, so 1,000 does not fit. Twice would empty the window.
      expect(await admitEach([admitInput([tokens], { reserveTokens: 1_000 })])).toEqual(['tpm']);
    });
  });
});
