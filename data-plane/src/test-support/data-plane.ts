import type { ConfigSnapshot } from '@tollgate/schema';
import { staticConfigSource } from '../config/source.js';
import { startDataPlane, type DataPlane, type DataPlaneOptions } from '../data-plane.js';
import { silentLogger } from '../logger.js';
import { tokenizerReady } from '../providers/token-estimate.js';
import { FakeControlPlane } from './fake-control-plane.js';
import { fixtureSnapshot } from './fixtures.js';

export interface TestDataPlane {
  dp: DataPlane;
  cp: FakeControlPlane;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real data plane (real uWS, port 0) on a static snapshot, shipping usage to a fake control plane. It answers
 * once the tokenizer has loaded, so local token estimates are the same on every run.
 */
export async function startTestDataPlane(
  options: Partial<DataPlaneOptions> & { snapshot?: ConfigSnapshot } = {},
): Promise<TestDataPlane> {
  await tokenizerReady();
  const cp = await new FakeControlPlane().start();
  const { snapshot, ...rest } = options;
  const dp = await startDataPlane({
    host: '127.0.0.1',
    port: 0,
    controlPlaneUrl: cp.url,
    dataPlaneToken: 'dp-test-token',
    dataPlaneId: 'dp-test',
    usageFlushMs: 20,
    configSource: staticConfigSource(snapshot ?? fixtureSnapshot()),
    logger: silentLogger,
    shutdownGraceMs: 2_000,
    ...rest,
  }).catch(async (err: unknown) => {
    await cp.close();
    throw err;
  });
  return {
    dp,
    cp,
    baseUrl: `http://127.0.0.1:${dp.port}`,
    async close() {
      await dp.close();
      await cp.close();
    },
  };
}
