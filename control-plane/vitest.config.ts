import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Tests run against a real PostgreSQL (TOLLGATE_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// every test file creates and drops its own database, so files may run in parallel.
export default defineConfig({
  resolve: {
    // graphql ships CJS (main) and ESM (module) builds. Node, and so every dependency vitest leaves external
    // (type-graphql, Apollo, graphql-ws), loads the CJS one; vite would give our sources the ESM one. Two
    // copies break graphql's `instanceof` checks ("Cannot determine GraphQL input type"), so pin ours to Node's.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    name: 'control-plane',
    include: ['src/**/*.test.ts'],
    // Finds the PostgreSQL to test against, or starts an embedded one on a machine without it.
    globalSetup: ['../test/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
