import { describe, expect, it } from 'vitest';
import { withoutForeignThinking } from './foreign-thinking.js';

const user = (text: string) => ({ role: 'user', content: text });
const own = { type: 'thinking', thinking: 'Claude thought.', signature: 'EqQBCkYIARgC' };
const call = { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} };
const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] };

describe('withoutForeignThinking', () => {
  it("sends a body holding only Anthropic's thinking as it is", () => {
    const body = { model: 'm', thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [user('q'), { role: 'assistant', content: [own, call] }, result] };
    expect(withoutForeignThinking(body)).toBe(body);
  });

  it("leaves out a turn that held only another provider's thinking (Anthropic refuses an empty turn), and keeps the budget while the last tool turn starts with Anthropic's thinking", () => {
    const body = {
      model: 'm',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        user('q'),
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Gemini ran out of tokens.', signature: 'tollgate:gemini:c2ln' }] },
        user('go on'),
        { role: 'assistant', content: [own, { type: 'redacted_thinking', data: 'tollgate-redacted:bedrock:cmVk' }, call] },
        result,
      ],
    };
    expect(withoutForeignThinking(body)).toEqual({
      model: 'm',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [user('q'), user('go on'), { role: 'assistant', content: [own, call] }, result],
    });
  });
});
