import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Pins a Redis server on this machine to `cores` for the benchmark and returns how to put its affinity back. On a
 * two-core machine the OS otherwise schedules Redis wherever, often on the data plane's core, where its script time
 * counts against the gateway (a real deployment runs Redis on other machines). Does nothing, and says why, when Redis
 * is not on loopback or its process cannot be re-pinned (another user's process, no `taskset`).
 */
export async function pinRedis(url: string, cores: string): Promise<{ note: string; restore(): void }> {
  const { hostname, port } = new URL(url);
  const none = (why: string) => ({ note: `Redis not pinned (${why})`, restore: () => undefined });
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return none('not on loopback');
  try {
    const pid = await redisPid(hostname === '[::1]' ? '::1' : hostname, Number(port || 6379));
    const before = execFileSync('taskset', ['-pc', String(pid)], { encoding: 'utf8' }).split(':').at(-1)!.trim();
    execFileSync('taskset', ['-pc', cores, String(pid)], { stdio: 'ignore' });
    return {
      note: `Redis (pid ${pid}) pinned to core ${cores} for the run, was ${before}`,
      restore: () => execFileSync('taskset', ['-pc', before, String(pid)], { stdio: 'ignore' }),
    };
  } catch (err) {
    return none(err instanceof Error ? err.message : String(err));
  }
}

/** The server's process id, from `INFO server` (inline command, no client library). */
function redisPid(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('INFO timed out')));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const pid = /process_id:(\d+)/.exec(reply)?.[1];
      if (pid === undefined) return;
      socket.end();
      resolve(Number(pid));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('Redis closed the connection before INFO answered')));
  });
}
