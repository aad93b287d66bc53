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
