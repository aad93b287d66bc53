import { connect } from 'node:net';
import { startHelper } from './helper-process.js';
import { percentile, sortedCopy } from './stats.js';

/**
 * What one loopback TCP round trip costs from this process to a process on core `cpus`: p50 in µs over `count` one-byte
 * round trips, after a warm-up. Against a process on this process's own core it is the cost of two context switches;
 * against one on another core, each way also wakes that core, which on a VM is the host's business (a halted vCPU
 * runs again when the host schedules it). The gateway's path crosses cores where direct does not, so the difference
 * bounds what any proxy on its own core adds (docs/performance.md, twelfth session).
 */
export async function loopbackRoundTrip(cpus: string, count = 4_000): Promise<number> {
  const echo = await startHelper<{ port: number }>('./echo-server.ts', [], cpus);
  try {
    const socket = connect(echo.info.port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const times: number[] = [];
    await new Promise<void>((resolve) => {
      let sentAt = 0n;
      const send = () => {
        sentAt = process.hrtime.bigint();
        socket.write('x');
      };
      socket.on('data', () => {
        times.push(Number(process.hrtime.bigint() - sentAt) / 1_000);
        if (times.length === count + 500) resolve();
        else send();
      });
      send();
    });
    socket.destroy();
    return percentile(sortedCopy(times.slice(500)), 50);
  } finally {
    echo.stop();
  }
}
