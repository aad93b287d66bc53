import { spawn, type ChildProcess } from 'node:child_process';
import { DATA_PLANE_NODE_FLAGS } from '@tollgate/schema';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A child process whose output is kept, so a failing test can show what the server said. */
export class ManagedProcess {
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (process.env.TOLLGATE_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  text(): string {
    return this.output.join('');
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  waitExit(): Promise<number | null> {
    return this.exited;
  }
}

/**
 * Runs `node script [...args]` with the test's environment plus `env`, minus the variables named in `unset`; `cpus`
 * pins it to those cores with taskset (the benchmark), which execs node so the pid is node's.
 */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  unset: string[] = [],
  cpus?: string,
  args: string[] = [],
  nodeFlags: readonly string[] = [],
): ManagedProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const variable of unset) delete merged[variable];
  const node = [process.execPath, ...nodeFlags, script, ...args];
  const [command, argv] = cpus === undefined ? [node[0]!, node.slice(1)] : ['taskset', ['-c', cpus, ...node]];
  const child = spawn(command, argv, {
    cwd: repoRoot,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(name, child);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface ControlPlaneProcess {
  process: ManagedProcess;
  port: number;
  baseUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  masterKey: string;
  dataPlaneToken: string;
}

export async function startControlPlaneProcess(options: {
  databaseUrl: string;
  masterKey?: string;
  dataPlaneToken?: string;
  port?: number;
  /** A declarative config file (TOLLGATE_CONFIG): tollgate.yaml or LiteLLM's config.yaml. */
  configFile?: string;
  /** More environment, e.g. the variables the config file's `env:` / `os.environ/` references name. */
  env?: Record<string, string>;
  /** Entry point of another build (the benchmarks' before/after comparisons); default this checkout's. */
  main?: string;
}): Promise<ControlPlaneProcess> {
  const port = options.port ?? (await freePort());
  const masterKey = options.masterKey ?? `sk-tg-master-test-${randomBytes(12).toString('hex')}`;
  const dataPlaneToken = options.dataPlaneToken ?? `tg-dp-test-${randomBytes(12).toString('hex')}`;
  const proc = spawnNode('control-plane', options.main ?? join(repoRoot, 'control-plane/dist/main.js'), {
    DATABASE_URL: options.databaseUrl,
    TOLLGATE_HOST: '127.0.0.1',
    TOLLGATE_CONTROL_PORT: String(port),
    TOLLGATE_MASTER_KEY: masterKey,
    TOLLGATE_DATA_PLANE_TOKEN: dataPlaneToken,
    ...(options.configFile ? { TOLLGATE_CONFIG: options.configFile } : {}),
    ...options.env,
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(() => {
    if (!proc.running) throw new Error(`control plane exited:\n${proc.text()}`);
    return httpOk(`${baseUrl}/healthz`);
  }, { timeoutMs: 30_000, what: 'control plane /healthz' });
  return {
    process: proc,
    port,
    baseUrl,
    graphqlUrl: `${baseUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    masterKey,
    dataPlaneToken,
  };
}

export interface DataPlaneProcess {
  process: ManagedProcess;
  port: number;
  baseUrl: string;
  /** Where it spools usage events (TOLLGATE_SPOOL_DIR): a restart on the same directory ships what it left. */
  spoolDir: string;
  /** The config version the data plane reports on /health/readiness, or -1 when not ready. */
  configVersion(): Promise<number>;
}

export async function startDataPlaneProcess(options: {
  controlPlane: ControlPlaneProcess;
  port?: number;
  env?: Record<string, string>;
  /** Cores to pin the data plane to (taskset list, e.g. '0'). */
  cpus?: string;
  /** Entry point of another build (the benchmark's before/after comparisons); default this checkout's. */
  main?: string;
  /** The usage spool directory; default a fresh one, so data planes never share one or inherit old events. */
  spoolDir?: string;
}): Promise<DataPlaneProcess> {
  const port = options.port ?? (await freePort());
  const spoolDir = options.spoolDir ?? mkdtempSync(join(tmpdir(), 'tollgate-spool-'));
  const proc = spawnNode('data-plane', options.main ?? join(repoRoot, 'data-plane/dist/main.js'), {
    TOLLGATE_HOST: '127.0.0.1',
    TOLLGATE_PORT: String(port),
    TOLLGATE_CONTROL_PLANE_URL: options.controlPlane.graphqlUrl,
    TOLLGATE_DATA_PLANE_TOKEN: options.controlPlane.dataPlaneToken,
    TOLLGATE_USAGE_FLUSH_MS: '100',
    TOLLGATE_SPOOL_DIR: spoolDir,
    ...options.env,
    // Run as it ships (bin/tollgate.js, the Dockerfile).
  }, [], options.cpus, [], DATA_PLANE_NODE_FLAGS);
  const baseUrl = `http://127.0.0.1:${port}`;
  const configVersion = async (): Promise<number> => {
    try {
      const res = await fetch(`${baseUrl}/health/readiness`);
      const body = (await res.json()) as { configVersion?: number };
      return res.ok && typeof body.configVersion === 'number' ? body.configVersion : -1;
    } catch {
      return -1;
    }
  };
  await waitFor(async () => {
    if (!proc.running) throw new Error(`data plane exited:\n${proc.text()}`);
    return (await configVersion()) >= 0;
  }, { timeoutMs: 30_000, what: 'data plane readiness' });
  return { process: proc, port, baseUrl, spoolDir, configVersion };
}
