import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings of the data plane process, applied when main.ts starts (this module is its first import, so before
 * anything is compiled by the optimizing tier).
 *
 * `--turbo-force-mid-tier-regalloc`: TurboFan allocates registers with its mid-tier allocator, which V8 already uses
 * for huge functions, for every function. Without it the first requests of a fresh data plane cost a transient
 * 25–30 MB of resident memory for about 100 ms: TurboFan's tier-up of undici's HTTP parser (llhttp, WebAssembly:
 * one giant state-machine function) with the default allocator. That spike was the process's peak RSS
 * (125–128 MB against 106–110 MB with this flag, `npm run bench`'s load); CPU per request was the same within
 * noise, plain and streamed (A/B in docs/performance.md). `--liftoff-only` (no optimizing tier for WebAssembly)
 * avoids the spike too but costs about 8% CPU per streamed answer. A V8 that no longer knows the flag prints
 * "unrecognized flag" once and runs on with its defaults.
 */
setFlagsFromString('--turbo-force-mid-tier-regalloc');

/**
 * `--heap-growing-percent=40`: after a full collection, the old generation may grow by 40% of what survived (at least
 * V8's 8 MB step) before the next one, instead of V8's own factor, which on a small, fast-collected heap lets it
 * double or more. Under load every request's short-lived objects that are still in flight at a scavenge (its
 * upstream body, undici's request, the usage record) are promoted and die there: with V8's factor the old
 * generation grew from about 20 to 40+ MB of such garbage before the first full collection, which was the data
 * plane's peak RSS (119.8–133.0 MB against 107.1–114.1 MB with this flag, six 5 s runs of 0-gap streams at c=64
 * each, alternating; CPU per stream 0.111–0.141 ms against 0.096–0.134). A full snapshot of 500,000 keys applied in
 * 3.0 s against 3.3 s, its peak 334 MB against 417 MB. Unlike the semi-space size, this one is read at every
 * collection, so setting it here works. See docs/performance.md.
 */
setFlagsFromString('--heap-growing-percent=40');
