import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/harness.js';

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-web-'));
});
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function withControlPlane(webDist: string, test: (cp: TestControlPlane) => Promise<void>) {
  const cp = await startTestControlPlane({ databaseUrl: db.url, webDist });
  try {
    await test(cp);
  } finally {
    await cp.close();
  }
}

describe('the HTTP server', () => {
  it('should answer a GraphQL body that is not JSON, or too large, with a JSON error and no stack trace', async () => {
    await withControlPlane(join(dir, 'missing'), async (cp) => {
      const post = (body: string) => fetch(`${cp.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const bad = await post('{bad json');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
      const badBody = (await bad.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(badBody.errors[0]!.extensions.code).toBe('BAD_REQUEST');
      expect(badBody.errors[0]!.message).toMatch(/^The request body is not valid JSON: /);
      expect(JSON.stringify(badBody)).not.toMatch(/node_modules|at \//);
      const large = await post(JSON.stringify({ query: '{ viewer { role } }', padding: 'x'.repeat(11 * 1024 * 1024) }));
      expect(large.status).toBe(413);
      expect(((await large.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  it('should listen on the port it reports when asked for port 0', async () => {
    await withControlPlane(join(dir, 'missing'), async (cp) => {
      expect(cp.port).toBeGreaterThan(0);
      expect(cp.url).toBe(`http://127.0.0.1:${cp.port}`);
      expect((await fetch(`${cp.url}/healthz`)).status).toBe(200);
    });
  });

  it('should explain how to build the dashboard when web/dist is missing', async () => {
    await withControlPlane(join(dir, 'missing'), async (cp) => {
      const res = await fetch(`${cp.url}/ui/`);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('npm run build');
    });
  });

  it('should serve the built dashboard with a fallback to index.html for client-side routes', async () => {
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Tollgate UI</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("app")');
    await withControlPlane(dist, async (cp) => {
      for (const path of ['/ui/', '/ui/keys', '/ui/teams/123']) {
        const res = await fetch(`${cp.url}${path}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('Tollgate UI');
      }
      const asset = await fetch(`${cp.url}/ui/assets/app.js`);
      expect(await asset.text()).toBe('console.log("app")');
      expect((await fetch(`${cp.url}/ui/assets/missing.js`)).status).toBe(404);
    });
  });

  it('should close promptly with a graphql-ws client still connected', async () => {
    await withControlPlane(join(dir, 'missing'), async (cp) => {
      const client = cp.ws(cp.dataPlaneToken);
      const closed = new Promise<void>((resolve) => client.on('closed', () => resolve()));
      client.subscribe({ query: 'subscription { gatewayConfig { version } }' }, { next: () => {}, error: () => {}, complete: () => {} });
      await new Promise((resolve) => client.on('connected', resolve));
      const started = Date.now();
      await cp.close();
      await closed;
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });
});
