/** Copy text to the clipboard, with a short-lived "copied" flag for the button label. */
import { getCurrentScope, onScopeDispose, ref } from 'vue';

export function useClipboard(resetAfterMs = 2000) {
  const copied = ref(false);
  const failed = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (getCurrentScope()) onScopeDispose(() => clearTimeout(timer));

  async function copy(text: string): Promise<boolean> {
    clearTimeout(timer);
    try {
      // navigator.clipboard exists only in secure contexts (https or localhost).
      if (!navigator.clipboard) throw new Error('Clipboard unavailable');
      await navigator.clipboard.writeText(text);
      copied.value = true;
      failed.value = false;
    } catch {
      copied.value = false;
      failed.value = true;
    }
    timer = setTimeout(() => {
      copied.value = false;
      failed.value = false;
    }, resetAfterMs);
    return copied.value;
  }

  return { copied, failed, copy };
}
