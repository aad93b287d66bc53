import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultUwsCandidates, isNativeUws, loadUws, UwsUnavailableError, type UwsCandidate } from './uws.js';

const require = createRequire(import.meta.url);
const fallbackPath = require.resolve('uWebSockets.js/dist/index.js');
const loaderPath = require.resolve('uWebSockets.js');

/**
 * Loads trufflesuite's loader afresh with UWS_USE_FALLBACK=1, which makes it take the same path as a missing
 * binary: print a warning and return its ws-based JS implementation. This is the real silent fallback.
 */
function loadTrufflesuiteFallback(): unknown {
  const saved = require.cache[loaderPath];
  const savedEnv = process.env.UWS_USE_FALLBACK;
  const log = console.log;
  delete require.cache[loaderPath];
  process.env.UWS_USE_FALLBACK = '1';
  console.log = () => undefined; // its "performance may be degraded" notice
  try {
    return require('uWebSockets.js');
  } finally {
    console.log = log;
    if (savedEnv === undefined) delete process.env.UWS_USE_FALLBACK;
    else process.env.UWS_USE_FALLBACK = savedEnv;
    if (saved) require.cache[loaderPath] = saved;
  }
}

const silentFallbackCandidate: UwsCandidate = {
  package: 'uWebSockets.js',
  load: loadTrufflesuiteFallback,
  fallbackExports: defaultUwsCandidates[0]!.fallbackExports!,
};
const unavailableCandidate: UwsCandidate = {
  package: 'uws-next',
  load: () => {
    throw new Error("This version of uWS.js (v20.57.0) supports only...\n\nError: version `GLIBC_2.38' not found");
  },
};

describe('uWS loader', () => {
  afterEach(() => {
    delete process.env.TOLLGATE_ALLOW_UWS_FALLBACK;
  });

  it('loads the native trufflesuite binary on this machine (Node 20)', () => {
    const loaded = loadUws({ allowFallback: false });
    expect(loaded).toMatchObject({ package: 'uWebSockets.js', native: true, implementation: 'uWebSockets.js' });
    expect(typeof loaded.module.App).toBe('function');
  });

  it('tells the native addon from the ws-based fallback', () => {
    expect(isNativeUws(require('uWebSockets.js'))).toBe(true);
    expect(isNativeUws(require(fallbackPath))).toBe(false);
    expect(isNativeUws({ App: () => undefined, us_listen_socket_close: () => undefined })).toBe(false);
    expect(isNativeUws(null)).toBe(false);
  });

  it('detects the fallback trufflesuite returns silently, by identity as well as by shape', () => {
    const fallback = loadTrufflesuiteFallback();
    expect(fallback).toBe(require(fallbackPath));
    expect(isNativeUws(fallback)).toBe(false);
    // Identity alone is enough, even for a module that would pass the shape test.
    const native = require('uWebSockets.js') as object;
    expect(isNativeUws(native, native)).toBe(false);
  });

  it('refuses to start on the fallback with a message naming the way out', () => {
    let error: unknown;
    try {
      loadUws({ allowFallback: false, candidates: [silentFallbackCandidate, unavailableCandidate] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UwsUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('No native uWebSockets.js binary');
    expect(message).toContain('uWebSockets.js: returned its ws-based fallback');
    // The real cause of the second failure survives, not just its generic first line.
    expect(message).toContain('GLIBC_2.38');
    expect(message).toContain('TOLLGATE_ALLOW_UWS_FALLBACK=1');
  });

  it('runs on the fallback when explicitly allowed, and says so', () => {
    const loaded = loadUws({ allowFallback: true, candidates: [silentFallbackCandidate, unavailableCandidate] });
    expect(loaded).toMatchObject({ package: 'uWebSockets.js', native: false, implementation: 'uWebSockets.js (ws fallback)' });
    process.env.TOLLGATE_ALLOW_UWS_FALLBACK = '1';
    expect(loadUws({ candidates: [silentFallbackCandidate] }).native).toBe(false);
  });

  it('uses the second package when the first has only its fallback (e.g. trufflesuite on Node 22)', () => {
    const nativeNext: UwsCandidate = { package: 'uws-next', load: () => require('uWebSockets.js') };
    const loaded = loadUws({ allowFallback: false, candidates: [silentFallbackCandidate, nativeNext] });
    expect(loaded).toMatchObject({ package: 'uws-next', native: true, implementation: 'uws-next' });
  });

  it('reports when no package loads at all', () => {
    expect(() => loadUws({ allowFallback: true, candidates: [unavailableCandidate] })).toThrow(/Reinstall dependencies/);
  });
});
