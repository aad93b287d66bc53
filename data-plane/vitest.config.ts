import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'data-plane', include: ['src/**/*.test.ts'] } });
