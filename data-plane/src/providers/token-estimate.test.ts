import { beforeAll, describe, expect, it } from 'vitest';
import type { FilePart, Message } from '../canonical/request.js';
import { HttpError } from '../http/errors.js';
import { countImages, countTextTokens, estimatePromptTokens, forwardedPromptTokens, roughPromptTokens, tokenizerReady } from './token-estimate.js';

const user = (...content: Message['content']): Message => ({ role: 'user', content });
const text = (t: string) => ({ type: 'text' as const, text: t });
const pdf = (bytes: number): FilePart => ({ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: Buffer.alloc(bytes, 1).toString('base64') } });

beforeAll(async () => {
  await tokenizerReady();
});

describe('estimatePromptTokens', () => {
  it('should count text with the o200k tokenizer, plus 3 tokens of chat formatting per message', () => {
    // o200k_base: "Hello" " world" "!" — where characters ÷ 4 says 3.
    expect(countTextTokens('Hello world!')).toBe(3);
    // Digits are split in groups of up to three; whitespace runs merge: nothing like one token per four characters.
    expect(countTextTokens('1234567890')).toBe(4);
    expect(estimatePromptTokens([user(text('Hello world!')), { role: 'assistant', content: [text('Hi.')] }])).toBe(3 + 3 + 2 + 3);
  });

  it('should count special-token markers in a prompt as plain text instead of failing', () => {
    expect(countTextTokens('say <|endoftext|> now')).toBeGreaterThan(3);
  });

  it('should count tool calls, tool results and tool definitions', () => {
    const call: Message = { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] };
    const result: Message = { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', content: [text('18 degrees and sunny')] }] };
    const tool = { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
    const withTool = estimatePromptTokens([call, result], [tool]);
    expect(withTool).toBe(estimatePromptTokens([call, result]) + countTextTokens(`get_weather Weather for a city ${JSON.stringify(tool.parameters)}`));
    expect(estimatePromptTokens([call, result])).toBe(3 + countTextTokens('get_weather') + countTextTokens('{"city":"Paris"}') + 3 + countTextTokens('18 degrees and sunny'));
  });

  it('should estimate a PDF from its size, one token per 16 bytes, at least one page (1,500)', () => {
    expect(estimatePromptTokens([user(pdf(320_000))])).toBe(20_000 + 3);
    expect(estimatePromptTokens([user(pdf(1_000))])).toBe(1500 + 3);
  });

  it('should count a text document by its text and a URL as one page, in user turns and tool results', () => {
    const doc: FilePart = { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'The quick brown fox jumps over the lazy dog.' } };
    const url: FilePart = { type: 'file', source: { kind: 'url', url: 'https://example.com/a.pdf' } };
    expect(estimatePromptTokens([user(doc)])).toBe(10 + 3);
    expect(estimatePromptTokens([user(url)])).toBe(1500 + 3);
    const tool: Message = { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', content: [doc, pdf(48_000)] }] };
    expect(estimatePromptTokens([tool])).toBe(10 + 3 + 3000);
  });
});

describe('forwardedPromptTokens', () => {
  it('counts the canonical form when there is one, else the prompt field by its JSON size', () => {
    const messages: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'The quick brown fox jumps over the lazy dog.' }] }];
    expect(forwardedPromptTokens(() => ({ messages, stream: false }), 'unused')).toBe(estimatePromptTokens(messages));
    // Completions' token-id prompts: a form the canonical request cannot take (its getter throws the translated 400).
    const tokenIds = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]];
    const refused = () => {
      throw new HttpError(400, 'invalid_request_error', 'unsupported_value', 'token arrays', 'prompt');
    };
    expect(forwardedPromptTokens(refused, tokenIds)).toBe(Math.ceil(JSON.stringify(tokenIds).length / 4));
  });
});

describe('roughPromptTokens', () => {
  it('should count four characters per token without the tokenizer, with the same media heuristics', () => {
    const doc: FilePart = { type: 'file', source: { kind: 'text', mediaType: 'text/plain', text: 'x'.repeat(400) } };
    expect(roughPromptTokens([user(doc)])).toBe(100 + 3);
    expect(roughPromptTokens([user(text('x'.repeat(401)), pdf(320_000))])).toBe(101 + 3 + 20_000);
  });

  it('should overcount English prose a little, never undercount it (reservations stay on the safe side)', () => {
    const prose = 'Budgets reserve an estimated cost before the upstream call and settle the real cost after, so concurrent requests cannot overshoot a budget by more than one request\'s estimate error. '.repeat(40);
    const rough = roughPromptTokens([user(text(prose))]);
    const exact = estimatePromptTokens([user(text(prose))]);
    expect(rough).toBeGreaterThanOrEqual(exact);
    expect(rough / exact).toBeLessThan(1.5);
  });
});

describe('countImages', () => {
  it('should count images in messages and tool results', () => {
    const image = { type: 'image' as const, source: { kind: 'url' as const, url: 'https://example.com/a.png' } };
    const tool: Message = { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', content: [image, text('ok')] }] };
    expect(countImages([user(image, text('what is this?'), image), tool])).toBe(3);
  });
});
