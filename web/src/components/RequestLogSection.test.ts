import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { requestLogEntry } from '../testing/fixtures';
import RequestLogSection from './RequestLogSection.vue';

const baseProps = {
  entries: [],
  filter: { status: '', model: '', keyId: '' },
  loading: false,
  loadingMore: false,
  hasNextPage: false,
  error: null,
  models: ['mock-gpt', 'claude-sonnet-4'],
  keyLabels: new Map([['key-1', 'billing']]),
};

const row = (overrides: Parameters<typeof requestLogEntry>[0]) => ({ ...requestLogEntry(overrides), id: overrides?.requestId ?? 'req-1' });

describe('RequestLogSection', () => {
  it('should show each request: status, model, key, tokens with cache and reasoning, exact cost, timings', () => {
    const wrapper = mount(RequestLogSection, {
      props: {
        ...baseProps,
        entries: [
          row({ requestId: 'req-2', status: 'error', httpStatus: 502, errorMessage: 'upstream failed', keyId: 'key-9-unknown-to-the-viewer' }),
          row({ requestId: 'req-1', cacheReadTokens: 1000, reasoningTokens: 120, estimated: true, endUser: 'customer-7', ttftMs: 95 }),
        ],
      },
    });

    const rows = wrapper.findAll('[data-testid="request-row"]');
    expect(rows.map((r) => r.attributes('data-status'))).toEqual(['error', 'success']);
    expect(rows[0]?.get('[data-col="status"]').text()).toContain('502');
    expect(rows[0]?.get('[data-col="error"]').text()).toBe('upstream failed');
    expect(rows[0]?.get('[data-col="key"]').text()).toBe('key-9-un…');
    expect(rows[1]?.get('[data-col="key"]').text()).toContain('billing');
    expect(rows[1]?.get('[data-col="key"]').text()).toContain('customer-7');
    expect(rows[1]?.get('[data-col="tokens"]').text()).toContain('1,000 cached · 120 reasoning');
    expect(rows[1]?.get('[data-col="tokens"]').text()).toContain('estimated');
    expect(rows[1]?.get('[data-col="cost"]').text()).toBe('$0.000123');
    expect(rows[1]?.get('[data-col="cost"]').attributes('title')).toBe('0.000123450000 USD');
    expect(rows[1]?.get('[data-col="duration"]').text()).toContain('first byte 95 ms');
  });

  // The dashboard lists 50 keys at a time: a request of an older key showed a raw id and could not be filtered by.
  it("should name a request's key by the label the request carries, and offer it in the key filter", () => {
    const wrapper = mount(RequestLogSection, {
      props: { ...baseProps, entries: [row({ requestId: 'req-3', keyId: 'key-old', keyLabel: 'teamadmin-ci2' })] },
    });
    expect(wrapper.get('[data-testid="request-row"] [data-col="key"]').text()).toBe('teamadmin-ci2');
    const options = wrapper.findAll('[data-testid="requests-filter-key"] option').map((o) => o.text());
    expect(options).toEqual(expect.arrayContaining(['billing', 'teamadmin-ci2']));
  });

  it('should ask for a filter change, a refresh and the next page', async () => {
    const wrapper = mount(RequestLogSection, { props: { ...baseProps, entries: [row({})], hasNextPage: true } });

    await wrapper.get('[data-testid="requests-filter-status"]').setValue('error');
    await wrapper.get('[data-testid="requests-filter-model"]').setValue('claude-sonnet-4');
    await wrapper.get('[data-testid="requests-filter-key"]').setValue('key-1');
    await wrapper.get('[data-testid="requests-load-more"]').trigger('click');
    await wrapper.get('[data-testid="requests-refresh"]').trigger('click');

    expect(wrapper.emitted('filter')).toEqual([[{ status: 'error' }], [{ model: 'claude-sonnet-4' }], [{ keyId: 'key-1' }]]);
    expect(wrapper.emitted('loadMore')).toHaveLength(1);
    expect(wrapper.emitted('refresh')).toHaveLength(1);
  });

  it('should hide the next-page button on the last page and say when nothing matches', () => {
    const wrapper = mount(RequestLogSection, { props: { ...baseProps, filter: { status: 'aborted', model: '', keyId: '' } } });
    expect(wrapper.find('[data-testid="requests-load-more"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('No requests match the filter.');
  });
});
