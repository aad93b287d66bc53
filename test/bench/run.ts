/**
 * `npm run bench`: Tollgate's data plane against the same upstream called directly, in one run, alternating the
 * order and reporting medians. The data plane is pinned to core 0; this process (Node load client + upstream),
 * wrk, the usage sink and the control plane to core 1, so figures compare across runs. Figures are reported as
 * differences and ratios against the direct baseline measured in the same run.
 *
 * The request path under test: OpenAI chat in → `openai_compatible` model → the same-protocol fast path, with key
 * auth and usage accounting on. Usage events go to the bench's usage sink (usage-sink.ts), which checks there is
 * exactly one per request with the upstream's tokens; BENCH_USAGE_SINK=control-plane sends them to the real
 * control plane and PostgreSQL instead (which then compete for the cores).
 *
 * Environment: BENCH_DURATION_S (default 5) per run, BENCH_ROUNDS (default 2), BENCH_JSON (write the summary
 * there), BENCH_LIMITS=0 (skip the limits section; REDIS_URL, default redis://127.0.0.1:6379, is its Redis), BENCH_DP_NODE_OPTIONS (extra Node flags for the data plane), BENCH_DP_MAIN (another build's
 * data-plane/dist/main.js, for before/after figures). Needs wrk (Debian package `wrk`). See docs/performance.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs, requireWrk, rssMb, streamLoad, wrkLoad, type LoadResult, type StreamResult } from './load.js';
import { benchLimits } from './limits-bench.js';
import { benchRouting } from './routing-bench.js';
import { startHelper } from './helper-process.js';
import { loopbackRoundTrip } from './wake.js';
import { startBenchStack, type Target } from './stack.js';
import { percentile, sortedCopy, table } from './stats.js';
import { STREAM_CHUNKS } from './upstream.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCIES = [1, 16, 64];

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mid = (values: number[]) => percentile(sortedCopy(values), 50);

/** Runs `measure` for each target, ROUNDS times, rotating which goes first (with two targets: alternating). */
async function alternating<T extends Target, R>(targets: readonly T[], measure: (t: T) => Promise<R>): Promise<Record<T['name'], R[]>> {
  const runs = Object.fromEntries(targets.map((t) => [t.name, [] as R[]])) as Record<T['name'], R[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(round + i) % targets.length]!;
      runs[t.name as T['name']].push(await measure(t));
    }
  }
  return runs;
}

/**
 * How the machine's cores idle (the cpuidle driver; a KVM guest's halt-polling window): a core woken from a halt
 * answers later than one still polling, and the gateway's path crosses cores where direct does not, so the time to
 * first token depends on it (docs/performance.md, eleventh session). Empty where /sys does not say.
 */
function idleStates(): string {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const driver = read('/sys/devices/system/cpu/cpuidle/current_driver');
  const poll = read('/sys/module/haltpoll/parameters/guest_halt_poll_ns');
  return driver === undefined ? '' : `, cpuidle ${driver}${poll === undefined ? '' : ` (guest_halt_poll_ns ${poll})`}`;
}

async function main(): Promise<void> {
  requireWrk();
  const stack = await startBenchStack(process.env.BENCH_DP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_DP_NODE_OPTIONS } : {});
  const { direct, gateway } = stack;
  const pid = gateway.pid!;
  // The bare uWS + undici pass-through, on the gateway's core: the floor for the plain rows' throughput and for the
  // time to first token.
  const bareProxy = await startHelper<{ url: string }>('./bare-proxy.ts', [`${stack.upstreamApiBase}/chat/completions`], '0');
  const bare: Target = { name: 'bare', url: bareProxy.info.url, headers: {}, pid: bareProxy.child.pid! };
  const plainBody = JSON.stringify({ model: 'bench-gpt', messages: [{ role: 'user', content: 'Say hello.' }] });
  const streamBody = (gap: number) => JSON.stringify({ model: 'bench-gpt', stream: true, bench_gap_ms: gap, messages: [{ role: 'user', content: 'Count.' }] });
  const summary: Record<string, unknown> = {};
  let gatewayRequests = 0;
  /** Streams that failed outright, by target (see `StreamResult.failures`): printed after the streaming tables. */
  const streamFailures = new Map<string, string[]>();
  const counted = async <R extends { requests?: number; completed?: number; failures?: string[] }>(t: Target, r: Promise<R>): Promise<R> => {
    const result = await r;
    if (t.name === 'gateway') gatewayRequests += result.requests ?? result.completed ?? 0;
    if (result.failures?.length) streamFailures.set(t.name, [...(streamFailures.get(t.name) ?? []), ...result.failures]);
    return result;
  };

  try {
    const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
    console.log(`Tollgate benchmark: ${new Date().toISOString()}, node ${process.version}, ${cpuInfo}${idleStates()}`);
    // The machine's floor for what a process on its own core adds: one loopback round trip there against one on this core.
    const [sameCore, otherCore] = [await loopbackRoundTrip('1'), await loopbackRoundTrip('0')];
    summary.loopbackRoundTripUs = { sameCore, otherCore };
    console.log(`loopback TCP round trip p50: ${f(sameCore, 0)} µs to a process on the load's core, ${f(otherCore, 0)} µs to one on the data plane's core`);
    console.log(
      `data plane pinned to core 0 (pid ${pid}${process.env.BENCH_DP_NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.BENCH_DP_NODE_OPTIONS}` : ''}); ` +
        `load client, upstream and control plane on core 1; usage → ${stack.usage ? 'bench sink' : 'control plane + PostgreSQL'}; ` +
        `${DURATION_S}s per run, ${ROUNDS} rounds, alternating order, medians\n`,
    );
    const idleRss = rssMb(pid).now;
    /** The peak RSS (VmHWM) after each section, so a peak over the target can be told apart by its load. */
    const peaks: string[] = [];
    const peakAfter = (section: string) => peaks.push(`${section} ${f(rssMb(pid).peak, 1)}`);

    // Warm up both paths (JIT, keep-alive pools, V8 heap sizing), plain and streamed.
    await wrkLoad(bare, plainBody, 16, 2);
    for (const t of [direct, gateway]) {
      await counted(t, wrkLoad(t, plainBody, 16, 2));
      await counted(t, wrkLoad(t, streamBody(0), 16, 2, STREAM_CHUNKS));
    }

    // 1. Non-streaming, closed loop with wrk at three concurrencies.
    const plainRows: string[][] = [];
    for (const c of CONCURRENCIES) {
      // The bare proxy's figure is a throughput floor: at c=1 its unbatched writes make it no reference (slower than the gateway).
      const runs = await alternating(c === 1 ? [direct, gateway] : [direct, gateway, bare], (t) => counted(t, wrkLoad(t, plainBody, c, DURATION_S)));
      const pick = (rs: LoadResult[], k: 'rps' | 'p50' | 'p99' | 'cpuMsPerRequest') => mid(rs.map((r) => r[k] ?? Number.NaN));
      const d = { rps: pick(runs.direct, 'rps'), p50: pick(runs.direct, 'p50'), p99: pick(runs.direct, 'p99') };
      const g = { rps: pick(runs.gateway, 'rps'), p50: pick(runs.gateway, 'p50'), p99: pick(runs.gateway, 'p99'), cpu: pick(runs.gateway, 'cpuMsPerRequest') };
      const bareRuns = (runs as Partial<typeof runs>).bare ?? [];
      const b = { rps: pick(bareRuns, 'rps'), cpu: pick(bareRuns, 'cpuMsPerRequest') };
      const errors = [...runs.direct, ...runs.gateway, ...bareRuns].reduce((n, r) => n + r.errors, 0);
      plainRows.push([String(c), f(d.rps, 0), f(g.rps, 0), f(g.rps / d.rps), f(b.rps, 0), f(g.rps / b.rps), f(d.p50, 3), f(g.p50, 3), f(g.p50 - d.p50, 3), f(d.p99, 3), f(g.p99, 3), f(g.p99 / g.p50, 1), f(g.cpu, 4), f(b.cpu, 4), f(1000 / g.cpu, 0), String(errors)]);
      summary[`plain_c${c}`] = { direct: d, gateway: g, bare: b, errors };
    }
    console.log(
      'Non-streaming chat completions, wrk (latency in ms; CPU = data-plane CPU time per request; capacity = 1 / CPU, requests per second of gateway core;\n' +
        `bare = a uWS + undici pass-through on the gateway's core, no auth or accounting: the issue's 15,000 requests/s at c=64 is ${f(15_000 / 22_000)} of the 22,000 it reaches on the reference machine)`,
    );
    console.log(table(['conc', 'direct rps', 'gw rps', 'gw/direct', 'bare rps', 'gw/bare', 'direct p50', 'gw p50', 'added p50', 'direct p99', 'gw p99', 'gw p99/p50', 'gw CPU ms/req', 'bare CPU ms/req', 'capacity', 'errors'], plainRows));
    peakAfter('plain');

    // 2. Streams with 10 ms between chunks: time to first content chunk and total time (Node client). The 20 loops
    //    start spread over one gap, as independent clients would, not in lockstep (see `streamLoad`). The bare
    //    pass-through is measured alongside (the floor of this stack on this machine), and one stream at a time too
    //    (every request then meets an idle core). The bench upstream marks when it got each request and wrote its
    //    first chunk, so time to first token splits into the request's way in and the first chunk's way out.
    const gapTargets = [direct, gateway, bare];
    // The first streams with gaps meet code the 0-gap warm-up did not run (a read per event, the held opening chunk):
    // 40 each first, so the tail below is the machine's and the load's, not the JIT's.
    for (const t of gapTargets) await counted(t, streamLoad(t, streamBody(10), { count: 40, concurrency: 20, staggerMs: 10 }));
    const gap = await alternating(gapTargets, (t) => counted(t, streamLoad(t, streamBody(10), { count: 300, concurrency: 20, staggerMs: 10 })));
    const single = await alternating(gapTargets, (t) => counted(t, streamLoad(t, streamBody(10), { count: 20, concurrency: 1 })));
    const merged = (rs: StreamResult[]) => ({
      ttft: sortedCopy(rs.flatMap((r) => r.ttft)),
      requestLeg: sortedCopy(rs.flatMap((r) => r.requestLeg)),
      clientLeg: sortedCopy(rs.flatMap((r) => r.clientLeg)),
      chunkLeg: sortedCopy(rs.flatMap((r) => r.chunkLeg)),
      total: sortedCopy(rs.flatMap((r) => r.total)),
      completed: rs.reduce((n, r) => n + r.completed, 0),
      chunksOk: rs.reduce((n, r) => n + r.chunksOk, 0),
    });
    const gd = merged(gap.direct);
    const gg = merged(gap.gateway);
    const gb = merged(gap.bare);
    const sd = merged(single.direct);
    const sg = merged(single.gateway);
    const sb = merged(single.bare);
    const ttftRow = (label: string, p: number, d: number[], g: number[], b: number[]) => {
      const [vd, vg, vb] = [percentile(d, p), percentile(g, p), percentile(b, p)];
      return [label, f(vd, 3), f(vg, 3), f(vb, 3), f(vg - vd, 3), f(vb - vd, 3), f(vg - vb, 3)];
    };
    console.log(`\nStreams with 10 ms gaps: time to first content chunk (ms; bare = the uWS + undici pass-through; in = client's send → upstream has the request, of it the client = its request() → its socket write, out = upstream writes the first content chunk → client has it)`);
    console.log(table(['case', 'direct', 'gateway', 'bare', 'gw added', 'bare added', 'gw − bare'], [
      ttftRow('20 streams: TTFT p50', 50, gd.ttft, gg.ttft, gb.ttft),
      ttftRow('20 streams: TTFT p99', 99, gd.ttft, gg.ttft, gb.ttft),
      ttftRow('20 streams: in p50', 50, gd.requestLeg, gg.requestLeg, gb.requestLeg),
      ttftRow('20 streams: of in, the client p50', 50, gd.clientLeg, gg.clientLeg, gb.clientLeg),
      ttftRow('20 streams: out p50', 50, gd.chunkLeg, gg.chunkLeg, gb.chunkLeg),
      ttftRow('1 stream at a time: TTFT p50', 50, sd.ttft, sg.ttft, sb.ttft),
      ttftRow('1 stream at a time: in p50', 50, sd.requestLeg, sg.requestLeg, sb.requestLeg),
      ttftRow('1 stream at a time: of in, the client p50', 50, sd.clientLeg, sg.clientLeg, sb.clientLeg),
      ttftRow('1 stream at a time: out p50', 50, sd.chunkLeg, sg.chunkLeg, sb.chunkLeg),
    ]));

    // 3. Streams without gaps: throughput, with the Node client (as an SDK would read) and with wrk (a C client that
    //    is not the bottleneck), both checking every stream is complete.
    const zeroNode = await alternating([direct, gateway], (t) => counted(t, streamLoad(t, streamBody(0), { seconds: DURATION_S, concurrency: 16 })));
    const zeroWrk = await alternating([direct, gateway], (t) => counted(t, wrkLoad(t, streamBody(0), 16, DURATION_S, STREAM_CHUNKS)));
    const rate = (rs: StreamResult[]) => mid(rs.map((r) => r.completed / r.durationS));
    const zd = rate(zeroNode.direct);
    const zg = rate(zeroNode.gateway);
    const zgCpu = mid(zeroNode.gateway.map((r) => r.cpuMsPerStream!));
    const wd = mid(zeroWrk.direct.map((r) => r.rps));
    const wg = mid(zeroWrk.gateway.map((r) => r.rps));
    const wgCpu = mid(zeroWrk.gateway.map((r) => r.cpuMsPerRequest!));
    const nodeOk = [...zeroNode.direct, ...zeroNode.gateway].every((r) => r.chunksOk === r.completed);
    const wrkIncomplete = [...zeroWrk.direct, ...zeroWrk.gateway].reduce((n, r) => n + r.incomplete + r.errors, 0);

    peakAfter('streams');
    console.log(`\nStreaming, ${STREAM_CHUNKS} content chunks + role, finish, usage, [DONE] (ms; CPU = data-plane CPU time per stream)`);
    console.log(table(['case', 'direct', 'gateway', 'added / ratio'], [
      ['10 ms gaps: total p50', f(percentile(gd.total, 50), 1), f(percentile(gg.total, 50), 1), f(percentile(gg.total, 50) - percentile(gd.total, 50), 3)],
      ['10 ms gaps: complete streams', `${gd.chunksOk + sd.chunksOk}/${gd.completed + sd.completed}`, `${gg.chunksOk + sg.chunksOk}/${gg.completed + sg.completed}`, `bare ${gb.chunksOk + sb.chunksOk}/${gb.completed + sb.completed}`],
      ['0 ms gaps, Node client c=16: streams/s', f(zd, 0), f(zg, 0), f(zg / zd)],
      ['0 ms gaps, Node client: gw CPU ms/stream', '', f(zgCpu, 4), ''],
      ['0 ms gaps, wrk c=16: streams/s', f(wd, 0), f(wg, 0), f(wg / wd)],
      ['0 ms gaps, wrk: gw CPU ms/stream', '', f(wgCpu, 4), `capacity ${f(1000 / wgCpu, 0)}/s`],
      ['0 ms gaps: every stream complete', '', '', nodeOk && wrkIncomplete === 0 ? 'yes' : `NO (${wrkIncomplete} wrk incomplete/errors)`],
    ]));
    for (const [name, failures] of streamFailures) {
      console.log(`streams that failed (${name}): ${failures.length}, first: ${failures[0]}`);
    }

    // 4. Rate limits and budgets on the request path, counted in process and in Redis (BENCH_LIMITS=0 skips it).
    if (process.env.BENCH_LIMITS !== '0') {
      const limits = await benchLimits(stack, plainBody, ROUNDS, DURATION_S, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      console.log(`\n${limits.text}`);
      peakAfter('limits');
      gatewayRequests += limits.requests;
      summary.limits = { closedLoop: limits.figures, fixedLoad: limits.fixed };
    }

    // 5. Routing over a group of ten deployments against one (BENCH_ROUTING=0 skips it).
    if (process.env.BENCH_ROUTING !== '0') {
      const routing = await benchRouting(stack, ROUNDS, DURATION_S);
      console.log(`\n${routing.text}`);
      peakAfter('routing');
      gatewayRequests += routing.requests;
      summary.routing = routing.figures;
    }

    // Usage accounting: every gateway request produced exactly one event, with the upstream's tokens.
    let usageLine = 'usage events went to the control plane (not checked here)';
    if (stack.usage) {
      await sleep(1_000);
      const tally = await stack.usage.tally();
      const success = tally.byStatus.success ?? 0;
      usageLine =
        `usage events: ${tally.events} (${Object.entries(tally.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}) for ${gatewayRequests} responses the clients counted ` +
        `(wrk also cuts requests in flight at the end: those are 'aborted' or uncounted successes); duplicates ${tally.duplicates}; wrong tokens ${tally.wrongTokens}` +
        (success < gatewayRequests || tally.duplicates > 0 || tally.wrongTokens > 0 ? '  <-- CHECK' : '');
      summary.usage = { ...tally, gatewayRequests };
    }
    const rss = rssMb(pid);
    console.log(`\nData plane RSS: idle after start ${f(idleRss, 1)} MB, peak ${f(rss.peak, 1)} MB (after each section: ${peaks.join(', ')}), now ${f(rss.now, 1)} MB; data-plane CPU in all ${f(cpuMs(pid) / 1000, 1)} s`);
    console.log(usageLine);
    summary.streaming = {
      ttftAddedP50: percentile(gg.ttft, 50) - percentile(gd.ttft, 50),
      ttftAddedP99: percentile(gg.ttft, 99) - percentile(gd.ttft, 99),
      ttftBareAddedP50: percentile(gb.ttft, 50) - percentile(gd.ttft, 50),
      ttftSingle: { gatewayAdded: percentile(sg.ttft, 50) - percentile(sd.ttft, 50), bareAdded: percentile(sb.ttft, 50) - percentile(sd.ttft, 50) },
      legsAddedP50: {
        in: percentile(gg.requestLeg, 50) - percentile(gd.requestLeg, 50),
        out: percentile(gg.chunkLeg, 50) - percentile(gd.chunkLeg, 50),
      },
      zeroGapNode: { direct: zd, gateway: zg, ratio: zg / zd, cpuMsPerStream: zgCpu },
      zeroGapWrk: { direct: wd, gateway: wg, ratio: wg / wd, cpuMsPerStream: wgCpu },
    };
    summary.rssMb = { idle: idleRss, peak: rss.peak };
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));
  } finally {
    bareProxy.stop();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
