import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts a bench helper (the usage sink) as its own Node process pinned to `cpus`, so its work (parsing batches of
 * usage events) never blocks the event loop of the load client and upstream; resolves with what it prints on its
 * first stdout line (JSON).
 */
export async function startHelper<T>(script: string, args: string[], cpus: string): Promise<{ info: T; stop(): void; child: ChildProcess }> {
  const child = spawn('taskset', ['-c', cpus, process.execPath, '--import', 'tsx', new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<T>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return {
    info,
    child,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}
