/**
 * The dashboard's pages, addressed by the URL's hash: `#/routing` is the Routing page, anything else the main
 * page, whose sections keep their plain anchors (`#models`). A reload or a shared link opens the same page, and the
 * control plane serves nothing but `/ui/`.
 */
import { nextTick, onMounted, onUnmounted, readonly, ref } from 'vue';

export type Page = 'main' | 'routing';

/** The hash that opens a page. */
export function pageHash(page: Page): string {
  return page === 'main' ? '#' : `#/${page}`;
}

export function pageOf(hash: string): Page {
  return hash === '#/routing' ? 'routing' : 'main';
}

export function useHashPage() {
  const page = ref<Page>(pageOf(window.location.hash));

  async function onHashChange(): Promise<void> {
    const next = pageOf(window.location.hash);
    const switched = next !== page.value;
    page.value = next;
    if (!switched) return;
    // The browser looked for the section's anchor before the page holding it was shown: scroll once it is.
    await nextTick();
    if (!scrollToSection()) window.scrollTo?.(0, 0);
  }

  /** Scrolls to the section the hash names on the main page; false when it names none that is shown. */
  function scrollToSection(): boolean {
    const section = page.value === 'main' ? window.location.hash.slice(1) : '';
    const target = section ? document.getElementById(section) : null;
    target?.scrollIntoView?.();
    return target !== null;
  }

  const listener = (): void => void onHashChange();
  onMounted(() => {
    window.addEventListener('hashchange', listener);
    // A reload or a shared link (`/ui/#audit`): the dashboard appears after the sign-in check, when the browser has
    // already looked for the anchor and found nothing.
    void nextTick(scrollToSection);
  });
  onUnmounted(() => window.removeEventListener('hashchange', listener));

  return { page: readonly(page) };
}
