/**
 * Calls `callback` once `waitMs` after the last of a burst of calls (e.g. search once the typing pauses). `cancel`
 * drops a pending call; it is also dropped when the owning component unmounts.
 */
import { getCurrentScope, onScopeDispose } from 'vue';

export interface Debounced {
  (): void;
  cancel: () => void;
}

export function useDebounced(callback: () => void, waitMs: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  if (getCurrentScope()) onScopeDispose(cancel);
  return Object.assign(
    (): void => {
      cancel();
      timer = setTimeout(() => {
        timer = undefined;
        callback();
      }, waitMs);
    },
    { cancel },
  );
}
