import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The control plane serves the built dashboard at /ui and GraphQL (HTTP + graphql-ws) at /graphql on the same
// origin, so the app only ever talks to its own origin. In development the Vite server plays that role and
// forwards /graphql to a locally running control plane.
const controlPlane = process.env.TOLLGATE_CONTROL_PLANE_ORIGIN ?? 'http://127.0.0.1:4001';

export default defineConfig({
  base: '/ui/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/graphql': { target: controlPlane, changeOrigin: true, ws: true },
    },
  },
});
