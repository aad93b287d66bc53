import { defineConfig } from 'vitest/config';

// One `vitest run` covers every workspace; each has its own vitest.config.ts naming its project.
export default defineConfig({
  test: {
    projects: ['schema', 'control-plane', 'data-plane', 'web', 'test'],
  },
});
