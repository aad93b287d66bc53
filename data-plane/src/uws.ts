import { createRequire } from 'node:module';
import type * as UwsTypes from 'uWebSockets.js';

/**
 * Loads a native uWebSockets.js binary.
 *
 * Two packages are carried because no single build covers every supported runtime here (see DESIGN.md, "Verified
 * stack pins"): `uWebSockets.js` (alias of @trufflesuite/uws-js-unofficial 20.30, binaries up to Node 20, works
 * with older glibc) and `uws-next` (alias of @btc-vision/uwebsockets.js 20.57, Node 20–25 binaries, glibc >= 2.38).
 * The first one that yields a NATIVE module wins.
 *
 * The trufflesuite loader (`src/uws.js`) never throws: when `require('../binaries/uws_<platform>_<arch>_<abi>.node')`
 * fails, or when `UWS_USE_FALLBACK` is set, it prints a warning and returns `require('../dist/index')`, a
 * JavaScript re-implementation on `http` + `ws` that is many times slower and lacks parts of the API. We must notice
 * that, because it would otherwise look like a working server. See `isNativeUws` for how.
 */

/** The uWS API surface the data plane is written against (both packages share it). */
export type UwsModule = typeof UwsTypes;
export type UwsApp = UwsTypes.TemplatedApp & {
  /** Closes the listen socket and every open connection. Present on native builds >= 20.2x; missing in the types. */
  close?: () => void;
};
export type UwsResponse = UwsTypes.HttpResponse;
export type UwsRequest = UwsTypes.HttpRequest;
export type UwsListenSocket = UwsTypes.us_listen_socket;

export type UwsPackage = 'uWebSockets.js' | 'uws-next';

export interface LoadedUws {
  readonly module: UwsModule;
  readonly package: UwsPackage;
  /** False only for the trufflesuite `ws`-based fallback, loaded because TOLLGATE_ALLOW_UWS_FALLBACK=1. */
  readonly native: boolean;
  /** What readiness and the startup log show: the package name, or `<package> (ws fallback)`. */
  readonly implementation: string;
}

export interface UwsCandidate {
  readonly package: UwsPackage;
  /** Returns the module or throws. */
  load(): unknown;
  /** The fallback module object this package may hand back instead of a native binary, if it has one. */
  fallbackExports?(): unknown;
}

export class UwsUnavailableError extends Error {
  override readonly name = 'UwsUnavailableError';
}

const require = createRequire(import.meta.url);

/** Where trufflesuite's loader finds its JS fallback; resolved without loading it. */
function trufflesuiteFallbackPath(): string | undefined {
  try {
    return require.resolve('uWebSockets.js/dist/index.js');
  } catch {
    return undefined;
  }
}

/**
 * uws-next first: where both load (Node 20 on glibc >= 2.38) the newer build wins, because uWS 20.30's HTTP parser
 * drops any request with an underscore in a header name (no answer; the connection closes at the 10 s idle timeout:
 * uNetworking/uWebSockets.js#1018, fixed in later builds). Older Codex versions send `session_id`.
 */
export const defaultUwsCandidates: readonly UwsCandidate[] = [
  { package: 'uws-next', load: () => require('uws-next') },
  {
    package: 'uWebSockets.js',
    load: () => require('uWebSockets.js'),
    // Only look the fallback up in the require cache: if the loader did not load it, it cannot have returned it.
    fallbackExports: () => {
      const path = trufflesuiteFallbackPath();
      return path === undefined ? undefined : require.cache[path]?.exports;
    },
  },
];

/**
 * True when `mod` is a native uWS addon, false for the trufflesuite `ws` fallback (or anything else).
 *
 * Two independent signals, both must say native:
 * - identity: the fallback is a cached CommonJS module (`dist/index.js`); if the loader returned it, `mod` is that
 *   very object;
 * - shape: the native addon's functions are V8 API functions whose source reads `[native code]`, and it is not a
 *   transpiled ES module (the fallback is tsc output with `__esModule: true` and a `default` export).
 */
export function isNativeUws(mod: unknown, fallbackExports?: unknown): boolean {
  if (mod === null || typeof mod !== 'object') return false;
  if (fallbackExports !== undefined && mod === fallbackExports) return false;
  const candidate = mod as { App?: unknown; us_listen_socket_close?: unknown; __esModule?: unknown };
  if (candidate.__esModule === true) return false;
  return isNativeFunction(candidate.App) && isNativeFunction(candidate.us_listen_socket_close);
}

function isNativeFunction(value: unknown): boolean {
  return typeof value === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(value));
}

export interface LoadUwsOptions {
  /** Accept the slow `ws`-based fallback when no native binary loads. Default: TOLLGATE_ALLOW_UWS_FALLBACK=1. */
  allowFallback?: boolean;
  candidates?: readonly UwsCandidate[];
}

/** Returns the first native uWS module among the candidates; throws `UwsUnavailableError` if there is none. */
export function loadUws(options: LoadUwsOptions = {}): LoadedUws {
  const allowFallback = options.allowFallback ?? process.env.TOLLGATE_ALLOW_UWS_FALLBACK === '1';
  const candidates = options.candidates ?? defaultUwsCandidates;
  const failures: string[] = [];
  let fallback: LoadedUws | undefined;

  for (const candidate of candidates) {
    let mod: unknown;
    try {
      mod = candidate.load();
    } catch (err) {
      failures.push(`${candidate.package}: ${oneLine(err)}`);
      continue;
    }
    if (isNativeUws(mod, candidate.fallbackExports?.())) {
      return { module: mod as UwsModule, package: candidate.package, native: true, implementation: candidate.package };
    }
    failures.push(`${candidate.package}: returned its ws-based fallback instead of a native binary (no binary for this runtime, or UWS_USE_FALLBACK is set)`);
    fallback ??= { module: mod as UwsModule, package: candidate.package, native: false, implementation: `${candidate.package} (ws fallback)` };
  }

  if (fallback && allowFallback) return fallback;
  throw new UwsUnavailableError(
    [
      `No native uWebSockets.js binary could be loaded for ${runtimeTag()}.`,
      ...failures.map((f) => `  - ${f}`),
      'uWebSockets.js (trufflesuite 20.30) ships binaries for Node 16/18/20; uws-next (btc-vision 20.57) for Node 20-25 but needs glibc >= 2.38.',
      fallback
        ? 'Set TOLLGATE_ALLOW_UWS_FALLBACK=1 to run on the slow ws-based fallback anyway (development only, not for production).'
        : 'Reinstall dependencies (npm ci) on this platform.',
    ].join('\n'),
  );
}

function runtimeTag(): string {
  return `Node ${process.versions.node} (ABI ${process.versions.modules}) on ${process.platform}-${process.arch}`;
}

/** The error on one line: uws-next puts its generic notice first and the real cause (e.g. GLIBC_2.38) after it. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
}
