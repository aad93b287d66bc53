import { describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../canonical/request.js';
import type { StreamEvent } from '../types.js';
import { MAX_TOOL_NAME_LENGTH, toolNames, withClientToolNames } from './tool-names.js';

/** Claude Code's MCP tools are named `mcp__<server>__<tool>`: 71 and 77 characters here. */
const LONG = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllReplies';
const LONGER = 'mcp__claude_ai_Atlassian__getConfluencePageInlineCommentsWithAllRepliesSorted';

function withTools(...names: string[]): CanonicalRequest {
  return { stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: names.map((name) => ({ name, parameters: { type: 'object' } })) };
}

describe('tool names OpenAI takes (at most 64 characters)', () => {
  it('should leave names that fit as they are', () => {
    const names = toolNames(withTools('Read', 'x'.repeat(MAX_TOOL_NAME_LENGTH)));
    expect(names.shortened).toBe(false);
    expect(names.toUpstream('Read')).toBe('Read');
    expect(names.toClient('Read')).toBe('Read');
  });

  it("should shorten longer names to 64 characters OpenAI accepts, keeping the name's start and end, and name them back", () => {
    const names = toolNames(withTools('Read', LONG, LONGER));
    const short = names.toUpstream(LONG);
    expect(short).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(short).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(short.startsWith('mcp__claude_ai_Atlas')).toBe(true);
    expect(short.endsWith('InlineCommentsWithAllReplies')).toBe(true);
    expect(names.toUpstream(LONGER)).not.toBe(short);
    expect(names.toClient(short)).toBe(LONG);
    expect(names.toClient(names.toUpstream(LONGER))).toBe(LONGER);
    expect(names.toUpstream('Read')).toBe('Read');
    // A name the model made up is passed on as it came.
    expect(names.toClient('unknown_tool')).toBe('unknown_tool');
  });

  it('should shorten a name the same way on every turn, whatever else the request holds', () => {
    const first = toolNames(withTools(LONG)).toUpstream(LONG);
    const later: CanonicalRequest = {
      ...withTools('Bash', LONGER, LONG),
      toolChoice: { type: 'tool', name: LONG },
      messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: LONG, arguments: '{}' }] }],
    };
    expect(toolNames(later).toUpstream(LONG)).toBe(first);
  });

  it('should find long names in the tool choice and the history too, not only in the tools', () => {
    const request: CanonicalRequest = { stream: false, messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: LONGER, arguments: '{}' }] }], toolChoice: { type: 'tool', name: LONG } };
    const names = toolNames(request);
    expect(names.toUpstream(LONG)).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(names.toUpstream(LONGER)).toHaveLength(MAX_TOOL_NAME_LENGTH);
  });

  it('should keep a shortened name unique when another tool of the request is already called that', () => {
    const taken = toolNames(withTools(LONG)).toUpstream(LONG);
    const names = toolNames(withTools(taken, LONG));
    expect(names.toUpstream(LONG)).not.toBe(taken);
    expect(names.toUpstream(LONG)).toHaveLength(MAX_TOOL_NAME_LENGTH);
    expect(names.toClient(taken)).toBe(taken);
    expect(names.toClient(names.toUpstream(LONG))).toBe(LONG);
  });

  it("should name the answer's tool calls back, leaving every other event alone", async () => {
    const names = toolNames(withTools(LONG));
    async function* upstream(): AsyncGenerator<StreamEvent> {
      yield { type: 'text-delta', text: 'Reading.' };
      yield { type: 'tool-call-start', index: 0, id: 'call_1', name: names.toUpstream(LONG) };
      yield { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' };
      yield { type: 'tool-call-end', index: 0 };
    }
    const events: StreamEvent[] = [];
    for await (const event of withClientToolNames(upstream(), names)) events.push(event);
    expect(events).toEqual([
      { type: 'text-delta', text: 'Reading.' },
      { type: 'tool-call-start', index: 0, id: 'call_1', name: LONG },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 0 },
    ]);
  });
});
