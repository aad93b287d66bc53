/** Calls `callback` every `periodMs` while the owning component is mounted (the timer stops with its scope). */
import { getCurrentScope, onScopeDispose } from 'vue';

export function useInterval(callback: () => void, periodMs: number): () => void {
  const timer = setInterval(callback, periodMs);
  const stop = () => clearInterval(timer);
  if (getCurrentScope()) onScopeDispose(stop);
  return stop;
}
