// Preloaded into the data plane by `test/bench/profile.ts` (NODE_OPTIONS=--require …), because Node refuses
// --cpu-prof in NODE_OPTIONS: starts the V8 CPU profiler at once and writes the profile on exit (same-thread
// inspector calls complete synchronously, so this works from the 'exit' handler).
const inspector = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROF_DIR || '/tmp/prof';
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROF_INTERVAL_US || 200) });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (err, result) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `data-plane-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
