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

/**
 * The items of OpenAI's built-in tools, which a conversation that began on an OpenAI model keeps in its history: each
 * becomes a note in the assistant's turn, a call's output joining its call's note (`hosted-items.ts`).
 */
describe("Responses items of OpenAI's built-in tools → notes in the assistant's turn", () => {
  const assistantTexts = (input: unknown[]) => inputToMessages(input, null).map((m) => [m.role, m.content.map((c) => (c.type === 'text' ? c.text : c.type))]);

  it('gives each call with what came of it, in order, in one assistant turn', () => {
    const input = [
      { type: 'file_search_call', id: 'fs_1', status: 'completed', queries: ['refund policy'], results: [{ filename: 'policy.md', text: '30 days' }] },
      { type: 'code_interpreter_call', id: 'ci_1', status: 'completed', container_id: 'c', code: 'print(6*7)', outputs: [{ type: 'logs', logs: '42' }] },
      { type: 'image_generation_call', id: 'ig_1', status: 'completed', result: 'iVBORw0KGgo=' },
      { type: 'mcp_list_tools', id: 'ml_1', server_label: 'docs', tools: [{ name: 'search', input_schema: {} }] },
      { type: 'mcp_call', id: 'mc_1', server_label: 'docs', name: 'search', arguments: '{"q":"x"}', output: 'found x' },
      { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'open_page', url: 'https://example.com' } },
      { type: 'web_search_call', id: 'ws_2', status: 'failed', action: { type: 'find_in_page', url: 'https://example.com', pattern: 'price' } },
      { type: 'web_search_call', id: 'ws_3', status: 'completed' },
    ];
    expect(assistantTexts(input)).toEqual([
      [
        'assistant',
        [
          'Searched the files (file_search): "refund policy".\nResults:\npolicy.md: 30 days',
          'Ran code (code_interpreter):\nprint(6*7)\nOutput:\n42',
          'Generated an image (image_generation); the image is not available here.',
          'Called search on the MCP server docs with {"q":"x"}.\nOutput:\nfound x',
          'Opened a web page (web_search): https://example.com.',
          'Looked for "price" in the web page https://example.com (web_search). It failed.',
        ],
      ],
    ]);
  });

  it("joins each output to its call's note, whichever item carries it, and keeps real tool calls and results apart", () => {
    const input = [
      { type: 'shell_call', call_id: 'sh_1', action: { commands: ['ls', 'pwd'] } },
      { type: 'function_call', call_id: 'fc_1', name: 'weather', arguments: '{}' },
      { type: 'apply_patch_call', call_id: 'ap_1', status: 'completed', operation: { type: 'update_file', path: 'a.ts', diff: '-a\n+b' } },
      { type: 'function_call_output', call_id: 'fc_1', output: 'sunny' },
      { type: 'shell_call_output', call_id: 'sh_1', output: [{ stdout: 'a.ts', stderr: '', outcome: { type: 'exit', exit_code: 0 } }, { stdout: '', stderr: 'slow', outcome: { type: 'timeout' } }] },
      { type: 'apply_patch_call_output', call_id: 'ap_1', status: 'failed', output: 'no such file' },
      { type: 'local_shell_call_output', id: 'lost', output: 'orphan' },
    ];
    expect(assistantTexts(input)).toEqual([
      [
        'assistant',
        [
          'Ran shell commands (shell):\nls\npwd\nOutput:\na.ts (exit code 0)\nOutput:\n\nstderr:\nslow (timed out)',
          'tool-call',
          'Applied a patch (apply_patch): update_file a.ts\n-a\n+b\nResult: failed: no such file',
        ],
      ],
      ['tool', ['tool-result']],
      // An output whose call is not in the input stands alone, naming the call.
      ['assistant', ['Call lost: Output:\norphan']],
    ]);
  });

  it("gives the model's request for approval as its note and the user's answer as a user message", () => {
    const input = [
      { type: 'mcp_approval_request', id: 'mcpr_1', server_label: 'crm', name: 'delete_contact', arguments: '{"id":7}' },
      { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: false, reason: 'keep it' },
    ];
    expect(assistantTexts(input)).toEqual([
      ['assistant', ['Asked for approval (mcpr_1) to call delete_contact on the MCP server crm with {"id":7}.']],
      ['user', ['Declined the MCP tool call mcpr_1: keep it']],
    ]);
  });
});
