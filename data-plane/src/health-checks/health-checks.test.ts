import { randomUUID } from 'node:crypto';
import { ModelConfig, snapshotParts, type ConfigSnapshot, type ModelHealthResult } from '@tollgate/schema';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from '../../../test/stand-ins/openai/server.js';
import { ConfigStore } from '../config/store.js';
import { startDataPlane } from '../data-plane.js';
import { silentLogger } from '../logger.js';
import { defineProvider } from '../providers/define-provider.js';
import { builtInProviders, ProviderRegistry } from '../providers/registry.js';
import { FakeConfigServer } from '../test-support/fake-config-server.js';
import { FakeControlPlane } from '../test-support/fake-control-plane.js';
import { startRedisServer } from '../test-support/redis-server.js';
import { key, KEYS, model, snapshotOf } from '../test-support/fixtures.js';
import { startTestDataPlane } from '../test-support/data-plane.js';
import { waitFor } from '../test-support/wait.js';
import { secretResolver } from '../upstream/secrets.js';
import { checkDeployment } from './check.js';
import { PeriodicHealthChecks } from './periodic.js';
import { redisRoundLock } from './round-lock.js';
import { HealthChecks } from './runner.js';

const secrets = secretResolver({ OPENAI_API_KEY: STAND_IN_API_KEY });
const deps = { providers: builtInProviders(), secrets, dataPlaneId: 'dp-health' };

describe('checkDeployment against the OpenAI stand-in', () => {
  let standIn: OpenAiStandIn;
  let deployment: (overrides?: Partial<ModelConfig>) => ModelConfig;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn();
    deployment = (overrides = {}) =>
      ModelConfig.parse({ id: randomUUID(), name: 'gpt', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: standIn.url, inputCostPerMillion: 1, outputCostPerMillion: 2, ...overrides });
  });
  afterAll(() => standIn.close());
  beforeEach(() => {
    standIn.clearFaults();
    standIn.requests.length = 0;
  });

  it('should report a deployment that answers as healthy, after one "ping" with one output token', async () => {
    const target = deployment();
    const result = await checkDeployment(target, deps);
    expect(result).toEqual({
      deploymentId: target.id,
      healthy: true,
      latencyMs: expect.any(Number),
      mode: 'chat',
      error: null,
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      dataPlaneId: 'dp-health',
    });
    const [sent] = standIn.inferenceRequests();
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', stream: false, max_completion_tokens: 1, messages: [{ role: 'user', content: 'ping' }] });
    expect(standIn.inferenceRequests()).toHaveLength(1);
  });

  it("should report a provider's 500 as unhealthy with the mapped error message", async () => {
    standIn.inject({ fault: { kind: 'http', status: 500 }, times: 1 });
    const result = await checkDeployment(deployment(), deps);
    expect(result).toMatchObject({ healthy: false, mode: 'chat', error: expect.stringMatching(/^openai: /) });
    expect(standIn.inferenceRequests()).toHaveLength(1);
  });

  it("should give up after the deployment's timeoutMs and say it timed out", async () => {
    standIn.inject({ latencyMs: 3_000, times: 1 });
    const result = await checkDeployment(deployment({ timeoutMs: 300 }), deps);
    expect(result).toMatchObject({ healthy: false, error: expect.stringMatching(/did not answer in time|no answer within 300 ms/) });
    expect(result.latencyMs).toBeGreaterThanOrEqual(250);
    expect(result.latencyMs).toBeLessThan(2_000);
  });

  it('should check an embedding model with one embedding instead of a chat', async () => {
    const result = await checkDeployment(deployment({ providerModel: 'text-embedding-3-small' }), deps);
    expect(result).toMatchObject({ healthy: true, mode: 'embedding', error: null });
    expect(standIn.inferenceRequests().map((r) => [r.path, r.body])).toEqual([['/v1/embeddings', expect.objectContaining({ input: ['ping'] })]]);
  });

  it('should try an embedding when a chat is refused as a request the model does not serve, and report that', async () => {
    // An Azure-style deployment name says nothing; the provider's 404 to the chat does.
    standIn.inject({ fault: { kind: 'http', status: 404, message: 'This is not a chat model and thus not supported in the v1/chat/completions endpoint.' }, times: 1 });
    const served = await checkDeployment(deployment({ providerModel: 'my-vectors' }), deps);
    expect(served).toMatchObject({ healthy: true, mode: 'embedding', error: null });
    expect(standIn.inferenceRequests().map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/embeddings']);

    standIn.inject({ fault: { kind: 'http', status: 404, message: 'The model `gone` does not exist' }, times: 2 });
    const gone = await checkDeployment(deployment({ providerModel: 'gone' }), deps);
    expect(gone).toMatchObject({ healthy: false, mode: 'chat', error: expect.stringMatching(/does not exist \(an embedding request failed too: .*does not exist\)$/) });
  });

  it('should not fall back to an embedding for a failure of the deployment itself', async () => {
    standIn.inject({ fault: { kind: 'http', status: 429, retryAfter: '5' }, times: 1 });
    const result = await checkDeployment(deployment(), deps);
    expect(result).toMatchObject({ healthy: false, mode: 'chat', error: expect.stringContaining('Rate limit') });
    expect(standIn.inferenceRequests()).toHaveLength(1);
  });

  it('should name a missing credential by its reference, never send a request, and never report a secret', async () => {
    const missing = await checkDeployment(deployment({ apiKeyRef: 'env:TG_HEALTH_NOT_SET' }), deps);
    expect(missing).toMatchObject({ healthy: false, error: expect.stringContaining('env:TG_HEALTH_NOT_SET') });
    expect(standIn.inferenceRequests()).toHaveLength(0);
  });
});

describe('checkDeployment, whatever the provider says', () => {
  const SECRET = 'sk-echoed-0123456789abcdef';
  // A provider that echoes the credential it was given back in its error, as some do.
  const echoing = defineProvider<null>({
    kind: 'openai_compatible',
    translateRequest: () => null,
    async *call(_wire, call) {
      yield { type: 'error', error: { status: 401, type: 'authentication_error', code: null, message: `Incorrect API key provided: ${call.secrets.resolve('env:ECHO_KEY')}`, provider: 'openai_compatible' } };
    },
  });
  const target = ModelConfig.parse({ id: randomUUID(), name: 'echo', provider: 'openai_compatible', providerModel: 'echo', apiBase: 'http://127.0.0.1:9', inputCostPerMillion: 0, outputCostPerMillion: 0 });

  it('should redact every credential resolved during the check from the error it reports', async () => {
    const result = await checkDeployment(target, { providers: new ProviderRegistry([echoing]), secrets: secretResolver({ ECHO_KEY: SECRET }), dataPlaneId: 'dp' });
    expect(result).toMatchObject({ healthy: false, error: 'Incorrect API key provided: [redacted]' });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('should say so when this data plane has no adapter for the provider', async () => {
    const result = await checkDeployment(target, { providers: new ProviderRegistry([]), secrets, dataPlaneId: 'dp' });
    expect(result).toMatchObject({ healthy: false, latencyMs: expect.any(Number), error: 'This data plane has no adapter for provider openai_compatible.' });
  });
});

describe('HealthChecks', () => {
  const snapshot: ConfigSnapshot = snapshotOf({ models: [model({ id: 'a', name: 'mock-a' }), model({ id: 'b', name: 'mock-b' }), model({ id: 'b2', name: 'mock-b' })] });
  const store = new ConfigStore(silentLogger, () => undefined);
  store.handle({ kind: 'snapshot', version: 1, snapshot });

  function runner() {
    const reports: Array<{ requestId: string | null; results: ModelHealthResult[] }> = [];
    const checks = new HealthChecks({
      config: () => store.current,
      providers: builtInProviders(),
      secrets,
      dataPlaneId: 'dp-runner',
      report: async (requestId, results) => {
        reports.push({ requestId, results: [...results] });
        return true;
      },
      logger: silentLogger,
    });
    return { checks, reports };
  }

  it('should check the deployments a request names and report them under its id, an unknown one as not in the config', async () => {
    const { checks, reports } = runner();
    const requestId = randomUUID();
    checks.request({ kind: 'healthCheck', requestId, modelIds: ['b2', 'missing'] });
    // The same request delivered again while it runs is not run twice.
    checks.request({ kind: 'healthCheck', requestId, modelIds: ['b2', 'missing'] });
    await waitFor(() => reports.length > 0, 'a report');
    expect(reports).toEqual([
      {
        requestId,
        results: [
          expect.objectContaining({ deploymentId: 'b2', healthy: true, mode: 'chat', error: null, dataPlaneId: 'dp-runner' }),
          expect.objectContaining({ deploymentId: 'missing', healthy: false, error: "This deployment is not in this data plane's config (version 1); it arrives with the next config update." }),
        ],
      },
    ]);
    await checks.close();
    expect(reports).toHaveLength(1);
  });

  it('should check every deployment of every group for a request without ids, and ignore malformed requests', async () => {
    const { checks, reports } = runner();
    checks.request({ kind: 'healthCheck', requestId: 'not-a-uuid', modelIds: null });
    const results = await checks.run(null, null);
    expect(results.map((r) => r.deploymentId).sort()).toEqual(['a', 'b', 'b2']);
    expect(reports).toEqual([{ requestId: null, results }]);
  });
});

describe('periodic health checks', () => {
  it('should check every deployment each round and report without a request id', async () => {
    const dp = await startTestDataPlane({
      snapshot: snapshotOf({ models: [model({ id: 'p1', name: 'mock-p' }), model({ id: 'p2', name: 'mock-p' })] }),
      healthCheckIntervalMs: 200,
    });
    try {
      await waitFor(() => dp.cp.healthReports.length >= 2, 'two periodic rounds', 5_000);
      for (const report of dp.cp.healthReports.slice(0, 2)) {
        expect(report.authorization).toBe('Bearer dp-test-token');
        expect(report.requestId).toBeNull();
        expect(report.results.map((r) => [r.deploymentId, r.healthy, r.dataPlaneId]).sort()).toEqual([['p1', true, 'dp-test'], ['p2', true, 'dp-test']]);
      }
    } finally {
      await dp.close();
    }
  });

  it('should have one data plane per round check when they share Redis, and each check when Redis is away', async () => {
    const redis = await startRedisServer();
    const counts = [0, 0, 0];
    const rounds: Array<{ lock: ReturnType<typeof redisRoundLock>; periodic: PeriodicHealthChecks }> = counts.map((_, i) => {
      const lock = redisRoundLock(redis.url, `dp-${i}`, silentLogger);
      const periodic = new PeriodicHealthChecks({ run: async () => { counts[i]! += 1; return []; } }, { intervalMs: 150, lock, logger: silentLogger });
      return { lock, periodic };
    });
    try {
      // Connected before the first round, so no round is decided by a connection still being made.
      await waitFor(async () => (await Promise.all(rounds.map((r) => r.lock.claim(`warm-up-${randomUUID()}`, 1_000)))).every(Boolean), 'Redis connections');
      for (const { periodic } of rounds) periodic.start();
      await new Promise((resolve) => setTimeout(resolve, 150 * 6 + 75));
      const total = counts.reduce((a, b) => a + b, 0);
      // Six rounds (a seventh may just be starting; a busy machine may skip one), each taken by one of the three: without
      // the lock it would be three times as many.
      expect(total).toBeGreaterThanOrEqual(3);
      expect(total).toBeLessThanOrEqual(7);

      await redis.stop();
      const before = [...counts];
      await new Promise((resolve) => setTimeout(resolve, 150 * 4 + 75));
      // Without an answer from Redis every data plane takes every round.
      for (const [i, count] of counts.entries()) expect(count - before[i]!).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all(rounds.map((r) => r.periodic.close()));
      await redis.stop();
    }
  });
});

describe('health-check requests on the config stream (real graphql-ws client)', () => {
  it('should run them apart from the config: reported under their id, with no effect on versions or a snapshot in parts', async () => {
    const control = new FakeControlPlane();
    const snapshot = (version: number) => ({ ...snapshotOf({ models: [model({ id: 's1', name: 'mock-s' })] }), version });
    const config = await new FakeConfigServer(snapshot(1), control.handler).start();
    const dp = await startDataPlane({ host: '127.0.0.1', port: 0, controlPlaneUrl: config.url, dataPlaneToken: 'dp-secret', dataPlaneId: 'dp-stream', logger: silentLogger, shutdownGraceMs: 1_000 });
    try {
      await waitFor(() => dp.configVersion() === 1, 'snapshot v1');
      const requestId = randomUUID();
      // Even between two parts of a snapshot (a control plane never sends it there), the request does not spoil it.
      const [part0, part1] = [...snapshotParts({ ...snapshot(2), keys: [key(KEYS.full, { id: 'k1' }), key(KEYS.mockOnly, { id: 'k2' })] }, 1)];
      expect(part1?.last).toBe(true);
      config.publish(part0);
      config.publish({ kind: 'healthCheck', requestId, modelIds: ['s1'] });
      config.publish(part1);
      await waitFor(() => control.healthReports.length > 0, 'a report');
      expect(control.healthReports).toEqual([
        { authorization: 'Bearer dp-secret', requestId, results: [expect.objectContaining({ deploymentId: 's1', healthy: true, dataPlaneId: 'dp-stream' })] },
      ]);
      await waitFor(() => dp.configVersion() === 2, 'snapshot v2, whole');
      config.publish({ kind: 'delta', fromVersion: 2, version: 3, changes: [] });
      await waitFor(() => dp.configVersion() === 3, 'the next delta');
      expect(config.subscribeCount).toBe(1);
    } finally {
      await dp.close();
      await config.close();
    }
  });
});
