import { RouterConfig, type ModelConfig } from '@tollgate/schema';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeModel } from '../config/runtime.js';
import { silentLogger, type Logger } from '../logger.js';
import { model } from '../test-support/fixtures.js';
import { deleteKeys, TEST_REDIS_URL, testKeyPrefix } from '../test-support/limits.js';
import { startRedisServer, type RedisServer } from '../test-support/redis-server.js';
import { waitFor } from '../test-support/wait.js';
import { RedisRouterPeers } from './redis-peers.js';
import { Router } from './router.js';

const settings = RouterConfig.parse({ allowedFails: 3, failureWindowMs: 60_000, cooldownMs: 30_000, maxRetryAfterMs: 10_000 });

function deployment(id: string, over: Partial<ModelConfig> = {}): RuntimeModel {
  return Object.freeze(model({ id, name: 'gpt', ...over }));
}

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn'; message: string }> = [];
  const logger: Logger = {
    debug() {},
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'warn', message }),
  };
  return { logger, lines };
}

/** Usage counts per minute: a test that reads them starts at least 5 s before the minute ends. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 10));
}

/** One data plane's routing state: a router sharing through Redis. */
interface Plane {
  readonly router: Router;
  readonly peers: RedisRouterPeers;
}

describe('RedisRouterPeers', () => {
  let prefix = '';
  let planes: Plane[] = [];
  let server: RedisServer | undefined;
  let observer: Redis | undefined;

  beforeEach(() => {
    prefix = `${testKeyPrefix()}router:`;
  });

  afterEach(async () => {
    await Promise.all(planes.map((p) => p.peers.close()));
    observer?.disconnect();
    await server?.stop();
    [planes, server, observer] = [[], undefined, undefined];
    await deleteKeys(prefix);
  });

  async function connected(count: number, redisUrl = TEST_REDIS_URL, logger = silentLogger): Promise<Plane[]> {
    const added = Array.from({ length: count }, () => {
      const router = new Router();
      const peers = new RedisRouterPeers(router, { redisUrl, logger, keyPrefix: prefix });
      router.connect(peers);
      return { router, peers };
    });
    planes.push(...added);
    await waitFor(() => added.every((p) => p.peers.connected), 'the peers to connect');
    return added;
  }

  const coolingDown = (plane: Plane, id: string) => plane.router.state(id).cooldownUntil > Date.now();

  it('three data planes agree on cooldowns: failures on two of them add up to the threshold and all three cool down', async () => {
    const [a, b, c] = await connected(3);
    const d = deployment('d');
    a!.router.failed(d, 'server_error', settings, null, Date.now());
    a!.router.failed(d, 'server_error', settings, null, Date.now());
    // Neither data plane has seen three failures itself.
    expect(coolingDown(a!, d.id)).toBe(false);
    b!.router.failed(d, 'server_error', settings, null, Date.now());

    await waitFor(() => [a, b, c].every((p) => coolingDown(p!, d.id)), 'every data plane to cool the deployment down');
    const deadlines = [a, b, c].map((p) => p!.router.state(d.id).cooldownUntil);
    for (const until of deadlines) {
      expect(until - Date.now()).toBeGreaterThan(settings.cooldownMs - 1_000);
      expect(until - Date.now()).toBeLessThanOrEqual(settings.cooldownMs);
    }
  });

  it('counts failures per kind, with the kind’s own threshold', async () => {
    const [a, b] = await connected(2);
    const d = deployment('d');
    const strict = RouterConfig.parse({ ...settings, allowedFailsPolicy: { rate_limit: 2 } });
    a!.router.failed(d, 'server_error', strict, null, Date.now());
    b!.router.failed(d, 'rate_limit', strict, null, Date.now());
    a!.router.failed(d, 'server_error', strict, null, Date.now());
    // A kind that has not reached its threshold cools nothing down; the next rate limit does.
    const other = deployment('e');
    a!.router.failed(other, 'rate_limit', strict, null, Date.now());
    a!.router.failed(other, 'rate_limit', strict, null, Date.now());
    await waitFor(() => coolingDown(b!, other.id), 'the rate-limited deployment to cool down everywhere');
    expect(coolingDown(b!, d.id)).toBe(false);
    b!.router.failed(d, 'rate_limit', strict, null, Date.now());
    await waitFor(() => coolingDown(a!, d.id), 'the second rate limit to cool it down');
  });

  it('a retry-after longer than the router waits cools the deployment down everywhere at once, for that long', async () => {
    const [a, b] = await connected(2);
    const d = deployment('d');
    a!.router.failed(d, 'rate_limit', settings, 120_000, Date.now());
    await waitFor(() => coolingDown(b!, d.id), 'the other data plane to cool the deployment down');
    expect(b!.router.state(d.id).cooldownUntil - Date.now()).toBeGreaterThan(119_000);
  });

  it('a data plane connected later loads the cooldowns already running', async () => {
    const [a, witness] = await connected(2);
    const d = deployment('d');
    a!.router.failed(d, 'timeout', settings, 45_000, Date.now());
    a!.router.failed(d, 'timeout', settings, null, Date.now());
    a!.router.failed(d, 'timeout', settings, null, Date.now());
    await waitFor(() => coolingDown(witness!, d.id), 'the cooldown to be in Redis');

    const [late] = await connected(1);
    expect(coolingDown(late!, d.id)).toBe(true);
    // The longer of the two stands: the retry-after (45 s) over the cooldown the third failure started (30 s).
    expect(late!.router.state(d.id).cooldownUntil - Date.now()).toBeGreaterThan(44_000);
    expect(Math.abs(late!.router.state(d.id).cooldownUntil - a!.router.state(d.id).cooldownUntil)).toBeLessThan(1_000);
  });

  it("latency samples move the other data planes' averages, in one message per flush; a data plane skips its own", async () => {
    await awayFromMinuteEnd();
    const [a, b, c] = await connected(3);
    observer = new Redis(TEST_REDIS_URL);
    const messages: string[] = [];
    observer.on('message', (_channel: string, message: string) => messages.push(message));
    await observer.subscribe(`${prefix}latency`);
    const d = deployment('d');
    a!.router.started(d, Date.now());
    a!.router.ended(d, { ttftMs: 100, totalMs: 1_000, tokens: 20, outputTokens: 10 }, Date.now());
    a!.router.started(d, Date.now());
    a!.router.ended(d, { ttftMs: 200, totalMs: 4_000, tokens: 20, outputTokens: 20 }, Date.now());
    // 100 then 200 at weight 0.3: 130, for both averages.
    const own = { ...a!.router.state(d.id) };
    expect(own.ttftMs).toBeCloseTo(130, 9);
    expect(own.msPerToken).toBeCloseTo(130, 9);

    await waitFor(() => [b, c].every((p) => p!.router.state(d.id).ttftMs === own.ttftMs), 'the samples to reach the others');
    expect(b!.router.state(d.id).msPerToken).toBe(own.msPerToken);
    await waitFor(() => messages.length > 0, 'the latency message');
    expect(messages.map((m) => JSON.parse(m) as unknown)).toEqual([
      { from: expect.any(String), samples: { d: { ttftMs: [100, 200], msPerToken: [100, 200] } }, usage: { d: { minute: Math.floor(Date.now() / 60_000), requests: 2, tokens: 40 } } },
    ]);
    // Messages from one connection arrive in order: once a later one from b has reached a, a has had its own.
    b!.router.failed(d, 'rate_limit', settings, 60_000, Date.now());
    await waitFor(() => coolingDown(a!, d.id), 'a later message to reach a');
    expect(a!.router.state(d.id)).toMatchObject({ ttftMs: own.ttftMs, msPerToken: own.msPerToken });
  }, 15_000);

  it("usage based: requests and tokens one data plane routed count in the others' minute, so they send the next request elsewhere", async () => {
    await awayFromMinuteEnd();
    const [a, b] = await connected(2);
    const busy = deployment('busy', { rpmLimit: 100 });
    const idle = deployment('idle', { rpmLimit: 100 });
    const group = { name: 'gpt', deployments: [busy, idle], tagged: false, windowed: false };
    const request = { stream: false, promptTokens: null, outputTokens: 10, tags: new Set<string>() };
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      a!.router.started(busy, now);
      a!.router.ended(busy, { ttftMs: null, totalMs: 10, tokens: 15, outputTokens: 5 }, now);
    }
    await waitFor(() => b!.router.peek(busy.id)?.requests === 30, "a's requests to count on b");
    expect(b!.router.state(busy.id)).toMatchObject({ requests: 30, tokens: 450, inFlight: 0 });
    // b itself never routed to `busy`, yet sees 70% of its rpm left against 100% of `idle`'s.
    expect(b!.router.pick(group, 'usage_based', request, new Set(), Date.now()).deployment?.id).toBe(idle.id);
  }, 15_000);

  it('while Redis is away failures count locally, logged once; once it is back, cooldowns are shared again', async () => {
    server = await startRedisServer();
    const log = recordingLogger();
    const [a, b] = await connected(2, server.url, log.logger);
    const d = deployment('d');

    await server.stop();
    await waitFor(() => !a!.peers.connected && !b!.peers.connected, 'the peers to notice');
    for (let i = 0; i < 5; i++) {
      expect(() => a!.router.failed(d, 'server_error', settings, null, Date.now())).not.toThrow();
      expect(() => a!.router.ended(d, { ttftMs: 10, totalMs: 10, tokens: 1, outputTokens: 1 }, Date.now())).not.toThrow();
    }
    // a counted its own failures; b heard nothing.
    expect(coolingDown(a!, d.id)).toBe(true);
    expect(coolingDown(b!, d.id)).toBe(false);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(2);

    await server.start();
    await waitFor(() => a!.peers.connected && b!.peers.connected, 'the peers to reconnect', 10_000);
    expect(log.lines.filter((l) => l.level === 'info')).toHaveLength(2);
    const other = deployment('e');
    for (let i = 0; i < 3; i++) b!.router.failed(other, 'server_error', settings, null, Date.now());
    await waitFor(() => coolingDown(a!, other.id), 'the cooldown to reach the other data plane after the outage');
  });
});
