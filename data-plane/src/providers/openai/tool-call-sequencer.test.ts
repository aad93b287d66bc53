import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../types.js';
import { ToolCallSequencer } from './tool-call-sequencer.js';

describe('ToolCallSequencer', () => {
  it('streams calls that come one after another live, the second once the first is closed', () => {
    const s = new ToolCallSequencer();
    expect(s.toolCall(0, 'call_a', 'a', '')).toEqual([{ type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' }]);
    expect(s.toolCall(0, undefined, undefined, '{"x":1}')).toEqual([{ type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":1}' }]);
    expect(s.toolCall(1, 'call_b', 'b', '{}')).toEqual([]);
    expect(s.flush()).toEqual([
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });

  it('puts interleaved indices and text that arrives during a call into contract order', () => {
    const s = new ToolCallSequencer();
    const out: StreamEvent[] = [];
    out.push(...s.text('Let me check. '));
    out.push(...s.toolCall(0, 'call_a', 'a', '{"p":'));
    out.push(...s.toolCall(1, 'call_b', 'b', '{"q":'));
    out.push(...s.toolCall(0, undefined, undefined, '1}'));
    out.push(...s.text('more'));
    out.push(...s.toolCall(1, undefined, undefined, '2}'));
    out.push(...s.reasoning('late thought'));
    out.push(...s.flush());
    expect(out).toEqual([
      { type: 'text-delta', text: 'Let me check. ' },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"p":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"q":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '2}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'text-delta', text: 'more' },
      { type: 'reasoning-delta', text: 'late thought' },
    ]);
  });

  it('numbers calls from 0 whatever the upstream indices, and fills in missing ids and late names', () => {
    const s = new ToolCallSequencer();
    const out = [...s.toolCall(3, undefined, undefined, '{"a"'), ...s.toolCall(3, undefined, 'late', ':1}'), ...s.flush()];
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_3', name: 'late' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'tool-call-end', index: 0 },
    ]);
  });

  // ollama/ollama#15457: every call of a batch at index 0, each whole in one delta with its own id.
  it('takes a new id with a name at the open call\'s index as the next call (Ollama), live when nothing is held', () => {
    const s = new ToolCallSequencer();
    const out = [...s.toolCall(0, 'call_a', 'write', '{"p":"a"}'), ...s.toolCall(0, 'call_b', 'read', '{"p":"b"}'), ...s.flush()];
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'write' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"p":"a"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'read' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"p":"b"}' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });

  it('holds such a call behind what is already held, and gives it the later argument pieces at that index', () => {
    const s = new ToolCallSequencer();
    const out = [
      ...s.toolCall(0, 'call_a', 'a', '{"x"'),
      ...s.text('meanwhile'),
      ...s.toolCall(0, 'call_b', 'b', '{"y"'),
      ...s.toolCall(0, undefined, undefined, ':2}'),
      ...s.toolCall(0, 'call_c', 'c', '{}'),
      ...s.flush(),
    ];
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' },
      { type: 'tool-call-end', index: 0 },
      { type: 'text-delta', text: 'meanwhile' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"y"' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: ':2}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'tool-call-start', index: 2, id: 'call_c', name: 'c' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '{}' },
      { type: 'tool-call-end', index: 2 },
    ]);
  });

  it('keeps one call for a server that repeats its id and name on every delta', () => {
    const s = new ToolCallSequencer();
    const out = [...s.toolCall(0, 'call_a', 'a', '{"x"'), ...s.toolCall(0, 'call_a', 'a', ':1}'), ...s.toolCall(1, 'call_b', 'b', '{'), ...s.toolCall(1, 'call_b', 'b', '}'), ...s.flush()];
    expect(out).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '}' },
      { type: 'tool-call-end', index: 1 },
    ]);
  });
});
