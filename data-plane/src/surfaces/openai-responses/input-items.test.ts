import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.js';
import { inputToMessages } from './input-items.js';

function rejection(input: unknown[]): HttpError {
  try {
    inputToMessages(input, null);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('Responses input_file items → canonical file parts', () => {
  it('takes file_data (a base64 data URL) with its filename, and file_url, in user messages', () => {
    const messages = inputToMessages(
      [
        {
          role: 'user',
          content: [
            { type: 'input_file', filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' },
            { type: 'input_file', file_url: 'https://example.com/files/paper.pdf' },
            { type: 'input_text', text: 'Compare them.' },
          ],
        },
      ],
      null,
    );
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0xLjQK' }, filename: 'report.pdf' },
          { type: 'file', source: { kind: 'url', url: 'https://example.com/files/paper.pdf', mediaType: 'application/pdf' } },
          { type: 'text', text: 'Compare them.' },
        ],
      },
    ]);
  });

  it('takes files in function call outputs', () => {
    const messages = inputToMessages(
      [
        { type: 'function_call', call_id: 'call_1', name: 'fetch_report', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_file', filename: 'r.pdf', file_data: 'data:application/pdf;base64,JVBE' }] },
      ],
      null,
    );
    expect(messages[1]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          name: 'fetch_report',
          content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' }, filename: 'r.pdf' }],
        },
      ],
    });
  });

  it('answers a file_id with a 400 naming the exact parameter: the gateway stores no files', () => {
    const error = rejection([{ role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_file', file_id: 'file-abc123' }] }]);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'input[0].content[1].file_id' });
    expect(error.message).toMatch(/files are not stored by the gateway/);
  });

  it('answers input_file items it cannot read, or outside user messages, with a 400 naming the parameter', () => {
    expect(rejection([{ role: 'user', content: [{ type: 'input_file', file_data: 'JVBERi0x' }] }])).toMatchObject({ param: 'input[0].content[0].file_data', message: expect.stringMatching(/base64 data URL/) });
    expect(rejection([{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf' }] }])).toMatchObject({ param: 'input[0].content[0]', message: expect.stringMatching(/needs file_data .* or a file_url/) });
    expect(rejection([{ role: 'system', content: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] }])).toMatchObject({ param: 'input[0].content[0].type', message: expect.stringMatching(/only allowed in user messages and function call outputs/) });
  });
});
