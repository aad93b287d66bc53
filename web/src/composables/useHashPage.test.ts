import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { useHashPage } from './useHashPage';

/** A page with one section, `#audit`, that uses the hash page as the dashboard does. */
const Page = defineComponent({
  setup() {
    const { page } = useHashPage();
    return () => h('main', [h('p', page.value), h('section', { id: 'audit' }, 'Audit')]);
  },
});

afterEach(() => {
  window.location.hash = '';
  vi.restoreAllMocks();
});

describe('useHashPage', () => {
  // The dashboard shows up after the sign-in check, when the browser has already looked for the anchor: a reload of
  // `/ui/#audit` stayed at the top of the page.
  it('scrolls to the section a reloaded or shared link names, once the page is shown', async () => {
    window.location.hash = '#audit';
    const scrolled = vi.fn();
    const wrapper = mount(Page, { attachTo: document.body });
    wrapper.get('#audit').element.scrollIntoView = scrolled;
    await flushPromises();
    expect(wrapper.text()).toContain('main');
    expect(scrolled).toHaveBeenCalledTimes(1);
    wrapper.unmount();
  });
});
