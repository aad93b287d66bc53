/**
 * `node --import tsx spool-child.ts <dir> <plan JSON>`: opens a usage spool in its own process, so tests can kill
 * it the way a crash would (SIGKILL, nothing closed) or hold its lock while alive.
 *
 * The plan: `segmentBytes`, then `turns`, each run in its own event-loop turn: `append` these events (their JSON),
 * `take` this many and acknowledge the first `ack` of them. After the last turn it prints `ready` and then kills itself (`end:
 * 'kill'`) or waits to be killed (`end: 'hold'`).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EventSpool } from '../usage/spool.js';
import { silentLogger } from '../logger.js';

export interface SpoolChildPlan {
  segmentBytes: number;
  turns: Array<{ append?: string[]; take?: number; ack?: number }>;
  end: 'kill' | 'hold';
}

const [dir, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson!) as SpoolChildPlan;
const spool = EventSpool.open({ dir: dir!, segmentBytes: plan.segmentBytes, logger: silentLogger });
for (const turn of plan.turns) {
  for (const json of turn.append ?? []) spool.append(json);
  if (turn.take) {
    const block = spool.take(turn.take)!;
    spool.acknowledge(block.seq(0) + (turn.ack ?? 0));
  }
  await nextTurn();
}
process.stdout.write('ready\n');
if (plan.end === 'kill') process.kill(process.pid, 'SIGKILL');
else setInterval(() => undefined, 60_000);
