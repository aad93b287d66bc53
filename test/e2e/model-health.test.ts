import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admin } from '../src/admin.js';
import { GraphQLRequestError } from '../src/graphql.js';
import { createDatabase } from '../src/postgres.js';
import { startControlPlaneProcess, startDataPlaneProcess, type ControlPlaneProcess, type DataPlaneProcess } from '../src/processes.js';
import { waitFor } from '../src/wait.js';
import { startOpenAiStandIn, STAND_IN_API_KEY as OPENAI_KEY, type OpenAiStandIn } from '../stand-ins/openai/server.js';

interface Health {
  modelId: string;
  modelName: string;
  dataPlaneId: string;
  healthy: boolean;
  latencyMs: number;
  mode: string;
  error: string | null;
  requestId: string | null;
}
const FIELDS = 'modelId modelName dataPlaneId healthy latencyMs mode error requestId';

/**
 * Active model health checks through real processes: an admin asks the control plane, which asks the data plane over
 * its config subscription; the data plane calls each deployment's provider (stand-ins, one of them failing) with the
 * smallest real request and reports back; the results come back to the admin and stay readable.
 */
describe('model health checks', () => {
  let db: { url: string; drop: () => Promise<void> };
  let cp: ControlPlaneProcess;
  let dp: DataPlaneProcess;
  let api: ReturnType<typeof admin>;
  let up: OpenAiStandIn;
  let down: OpenAiStandIn;
  const ids: Record<'up' | 'down', string> = { up: '', down: '' };

  beforeAll(async () => {
    [up, down] = await Promise.all([startOpenAiStandIn(), startOpenAiStandIn()]);
    db = await createDatabase(inject('pgAdminUrl'));
    cp = await startControlPlaneProcess({ databaseUrl: db.url });
    api = admin(cp.graphqlUrl, cp.masterKey);
    for (const [label, standIn] of [['up', up], ['down', down]] as const) {
      const { createModel } = await api.call<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
        i: { name: 'gpt', provider: 'openai', providerModel: 'gpt-4o-mini', apiBase: standIn.url, apiKeyRef: 'env:TG_TEST_OPENAI_KEY', inputCostPerMillion: 1, outputCostPerMillion: 2 },
      });
      ids[label] = createModel.id;
    }
    dp = await startDataPlaneProcess({ controlPlane: cp, env: { TG_TEST_OPENAI_KEY: OPENAI_KEY, TOLLGATE_DATA_PLANE_ID: 'dp-e2e' } });
    const version = await api.configVersion();
    await waitFor(async () => (await dp.configVersion()) >= version, { what: 'the config on the data plane' });
  });

  afterAll(async () => {
    await dp?.process.stop();
    await cp?.process.stop();
    await db?.drop();
    await Promise.all([up?.close(), down?.close()]);
  });

  it('should check a healthy and a failing deployment on an admin request, and list the results afterwards', async () => {
    down.inject({ fault: { kind: 'http', status: 500 } });
    const { checkModelHealth } = await api.call<{ checkModelHealth: Health[] }>(`mutation($ids: [ID!]) { checkModelHealth(modelIds: $ids) { ${FIELDS} } }`, {
      ids: [ids.up, ids.down],
    });
    expect(checkModelHealth).toEqual([
      { modelId: ids.up, modelName: 'gpt', dataPlaneId: 'dp-e2e', healthy: true, latencyMs: expect.any(Number), mode: 'chat', error: null, requestId: expect.any(String) },
      {
        modelId: ids.down,
        modelName: 'gpt',
        dataPlaneId: 'dp-e2e',
        healthy: false,
        latencyMs: expect.any(Number),
        mode: 'chat',
        error: expect.stringMatching(/^openai: /),
        requestId: checkModelHealth[0]!.requestId,
      },
    ]);
    // One real request each, the smallest there is.
    for (const standIn of [up, down]) {
      expect(standIn.inferenceRequests().map((r) => r.body)).toEqual([expect.objectContaining({ max_completion_tokens: 1, stream: false, messages: [{ role: 'user', content: 'ping' }] })]);
    }

    const { modelHealth } = await api.call<{ modelHealth: Health[] }>(`{ modelHealth { ${FIELDS} } }`);
    expect(modelHealth.filter((h) => h.modelName === 'gpt')).toEqual(checkModelHealth);
    const one = await api.call<{ modelHealth: Health[] }>(`query($id: ID) { modelHealth(modelId: $id) { ${FIELDS} } }`, { id: ids.down });
    expect(one.modelHealth).toEqual([checkModelHealth[1]]);
    // The provider credential never reached the control plane, nor the data plane's log.
    expect(JSON.stringify(modelHealth)).not.toContain(OPENAI_KEY);
    expect(dp.process.text()).not.toContain(OPENAI_KEY);
  });

  it('should refuse callers that are not proxy admins, and say when no data plane is connected', async () => {
    const noToken = await fetch(cp.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cp.dataPlaneToken}` },
      body: JSON.stringify({ query: 'mutation { checkModelHealth { healthy } }' }),
    });
    expect(((await noToken.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('FORBIDDEN');

    await dp.process.stop();
    const error = await api.call(`mutation { checkModelHealth { ${FIELDS} } }`).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect((error as GraphQLRequestError).code).toBe('UNAVAILABLE');
    expect((error as GraphQLRequestError).message).toMatch(/No data plane is connected to run health checks/);
  });
});
