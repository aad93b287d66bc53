import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../canonical/request.js';
import { withPromptCacheMarks } from './prompt-cache.js';

const MARK = { type: 'ephemeral' };

describe('prompt-cache marks for a client that caches by key', () => {
  const request: CanonicalRequest = {
    stream: false,
    promptCacheKey: 'session-1',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.' }] },
      { role: 'user', content: [{ type: 'text', text: 'fix the bug' }] },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm', signature: 's' }, { type: 'tool-call', id: 'c1', name: 'shell', arguments: '{}' }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [{ type: 'text', text: 'ok' }] }] },
      { role: 'user', content: [{ type: 'text', text: 'go on' }, { type: 'text', text: ' ' }] },
    ],
    tools: [
      { name: 'shell', parameters: {} },
      { name: 'apply_patch', parameters: {} },
    ],
  };

  it('should mark the last tool, the instructions and the conversation so far', () => {
    const out = withPromptCacheMarks(request);
    expect(out.tools!.map((t) => t.cacheControl)).toEqual([undefined, MARK]);
    expect(out.messages[0]!.content[0]).toMatchObject({ cacheControl: MARK });
    expect(out.messages[1]!.content[0]).not.toHaveProperty('cacheControl');
    // The last part that can carry a mark: not blank text, which adapters drop.
    expect(out.messages[3]!.content[0]).not.toHaveProperty('cacheControl');
    expect(out.messages[4]!.content.map((p) => ('cacheControl' in p ? p.cacheControl : undefined))).toEqual([MARK, undefined]);
    // The client's request is not changed under it (a fallback to another provider gets it as sent).
    expect(request.tools![1]).not.toHaveProperty('cacheControl');
  });

  it('should leave a request alone without a key, or with marks of its own', () => {
    const { promptCacheKey: _, ...noKey } = request;
    expect(withPromptCacheMarks(noKey)).toBe(noKey);
    const own: CanonicalRequest = { ...request, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cacheControl: { type: 'ephemeral', ttl: '1h' } }] }] };
    expect(withPromptCacheMarks(own)).toBe(own);
  });

  it('should skip reasoning, which takes no mark, on an assistant turn that ends the conversation', () => {
    const out = withPromptCacheMarks({ stream: false, promptCacheKey: 'k', messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }, { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'reasoning', text: 'r' }] }] });
    expect(out.messages[1]!.content.map((p) => ('cacheControl' in p ? p.cacheControl : undefined))).toEqual([MARK, undefined]);
  });
});
