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
        { role: 'assistant', content: [own, { type: 'redacted_thinking', data: 'tollgate-redacted:gemini:cmVk' }, call] },
        result,
      ],
    };
    expect(withoutForeignThinking(body)).toEqual({
      model: 'm',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [user('q'), user('go on'), { role: 'assistant', content: [own, call] }, result],
    });
  });

  it("keeps Claude's thinking from Bedrock: Claude's signatures are good on either platform", () => {
    const body = {
      model: 'm',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [user('q'), { role: 'assistant', content: [{ type: 'thinking', thinking: 'On Bedrock.', signature: 'tollgate:bedrock:RXFRQg' }, call] }, result],
    };
    expect(withoutForeignThinking(body)).toBe(body);
  });

  it('goes without thinking when the tool turn it continues has none (another model answered it without thinking), instead of failing every turn', () => {
    const body = {
      model: 'm',
      thinking: { type: 'enabled', budget_tokens: 31999 },
      max_tokens: 32000,
      messages: [user('q'), { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, call] }, result],
    };
    expect(withoutForeignThinking(body)).toEqual({ model: 'm', max_tokens: 32000, messages: body.messages });
    // A finished answer (no tool call) needs no thinking in front of it; adaptive thinking never does.
    const answered = { ...body, messages: [user('q'), { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] }, user('next')] };
    expect(withoutForeignThinking(answered)).toBe(answered);
    const adaptive = { ...body, thinking: { type: 'adaptive' } };
    expect(withoutForeignThinking(adaptive)).toBe(adaptive);
  });
});
