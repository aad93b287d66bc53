/**
 * Turns a burst of calls into one call `waitMs` after the first of them (e.g. refresh the lists once after a
 * flurry of live spend updates). The pending call is dropped when the owning component unmounts.
 */
import { getCurrentScope, onScopeDispose } from 'vue';

export function useCoalesced(callback: () => void, waitMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer));
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      callback();
    }, waitMs);
  };
}
