import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import express, { type Router } from 'express';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tollgate</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Tollgate dashboard not built</h1>
<p>The control plane is running, but the dashboard has not been built. Run <code>npm run build</code> in the
repository and restart. The GraphQL API is available at <a href="/graphql">/graphql</a>.</p>
</body></html>
`;

/**
 * The Vue dashboard (web/dist), mounted at /ui. Client-side routes have no file behind them, so any path without
 * a file extension falls back to index.html; a missing asset (with an extension) stays a 404.
 */
export function dashboardRouter(webDist: string): Router {
  const router = express.Router();
  const index = join(webDist, 'index.html');
  if (!existsSync(index)) {
    // 200, not an error status: the control plane itself is healthy; only the optional dashboard is absent.
    router.use((_req, res) => {
      res.type('html').send(NOT_BUILT);
    });
    return router;
  }
  // Hashed asset names change with every build, so assets may be cached for long; index.html must not be.
  router.use(
    express.static(webDist, {
      index: false,
      setHeaders: (res, path) => {
        if (path.includes(`${join(webDist, 'assets')}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || extname(req.path) !== '') return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
