import { defineConfig } from 'vitest/config';

// End-to-end tests start real processes on real ports against real PostgreSQL; files run one at a time so two
// cores are not oversubscribed by several gateways at once.
export default defineConfig({
  test: {
    name: 'test',
    include: ['e2e/**/*.test.ts', 'stand-ins/**/*.test.ts'],
    globalSetup: ['./src/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
