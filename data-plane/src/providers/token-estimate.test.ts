import { describe, expect, it } from 'vitest';
import type { FilePart, Message } from '../canonical/request.js';
import { estimatePromptTokens } from './token-estimate.js';

const user = (...content: Message['content']): Message => ({ role: 'user', content });
const pdf = (bytes: number): FilePart => ({ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: Buffer.alloc(bytes, 1).toString('base64') } });

describe('estimatePromptTokens with files', () => {
  it('should estimate a PDF from its size, one token per 16 bytes, at least one page (1,500)', () => {
    expect(estimatePromptTokens([user(pdf(320_000))])).toBe(20_000 + 3);
    expect(estimatePromptTokens([user(pdf(1_000))])).toBe(1500 + 3);
  });

  it('should count a text document by its characters and a URL as one page, in user turns and tool results', () => {
    const text: FilePart = { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'x'.repeat(400) } };
    const url: FilePart = { type: 'file', source: { kind: 'url', url: 'https://example.com/a.pdf' } };
    expect(estimatePromptTokens([user(text)])).toBe(100 + 3);
    expect(estimatePromptTokens([user(url)])).toBe(1500 + 3);
    const tool: Message = { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', content: [text, pdf(48_000)] }] };
    expect(estimatePromptTokens([tool])).toBe(100 + 3 + 3000);
  });
});
