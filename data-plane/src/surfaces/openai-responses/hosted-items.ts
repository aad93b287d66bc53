import { z } from 'zod';
import { check } from './check.js';

/**
 * The input items of OpenAI's built-in tools, on a request translated for another provider. A conversation that
 * began on an OpenAI model keeps these items in its history and sends them back on every turn (Codex keeps its web
 * searches, and its local shell calls with their outputs as `function_call_output` items), so refusing them left a
 * session that switched to a translated model failing on every turn.
 *
 * No translated model has these tools: `request.ts` refuses them, or leaves web search out. So a call is not given
 * as a tool call, which would name a tool the target was never offered (some providers refuse that history, and the
 * model may try to call it): it becomes a note in the assistant's turn saying what was done, with what came of it
 * (a call's output joins its note: `MessageBuilder.note`), which is what the model needs to carry on. Each type:
 *
 * - `web_search_call`: the search (its queries, and its sources when the client asked for them), the page opened, or
 *   the text looked for in one. The results themselves are not in the item (the answer that follows cites them).
 * - `file_search_call`: its queries, and its results when the client asked for them.
 * - `code_interpreter_call`: the code and its logs; images by their URL.
 * - `image_generation_call`: that an image was made; the image itself is left out (providers take images from the
 *   user only, and the answer that follows says what it shows).
 * - `mcp_call`: the remote MCP tool called, its arguments and output or error. `mcp_approval_request` is the model
 *   asking for one, `mcp_approval_response` the user's answer (a user message). OpenAI makes an approved call with
 *   the `mcp` tool the request declares (tools never carry over from earlier responses), which a translated request
 *   refuses with a 400: no approved call goes unmade silently. `mcp_list_tools` is dropped: it only lists the tools
 *   a server offered, none of them callable here.
 * - `local_shell_call`, `shell_call`, `apply_patch_call`: calls the client ran (the command, the patch), with their
 *   outputs (`local_shell_call_output`, `shell_call_output`, `apply_patch_call_output`, or Codex's
 *   `function_call_output`).
 *
 * Computer use, item references and compaction items are refused (`input-items.ts`).
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */
export type HostedItem =
  /** A call, as a note in the assistant's turn; `callIds` name it for the output that may follow as an item. */
  | { readonly kind: 'call'; readonly text: string; readonly callIds: readonly string[] }
  /** The output of the call `callId`, which joins its note. */
  | { readonly kind: 'output'; readonly callId: string; readonly text: string }
  /** What the user said (an answer to an approval request). */
  | { readonly kind: 'user'; readonly text: string };

const Status = z.string().nullish();

const WebSearchCall = z.looseObject({
  status: Status,
  action: z
    .looseObject({
      type: z.string(),
      query: z.string().nullish(),
      queries: z.array(z.string()).nullish(),
      sources: z.array(z.looseObject({ url: z.string() })).nullish(),
      url: z.string().nullish(),
      pattern: z.string().nullish(),
    })
    .nullish(),
});
const FileSearchCall = z.looseObject({
  status: Status,
  queries: z.array(z.string()),
  results: z.array(z.looseObject({ filename: z.string().nullish(), text: z.string().nullish() })).nullish(),
});
const CodeInterpreterCall = z.looseObject({
  status: Status,
  code: z.string().nullish(),
  outputs: z.array(z.looseObject({ type: z.string(), logs: z.string().nullish(), url: z.string().nullish() })).nullish(),
});
const ImageGenerationCall = z.looseObject({ status: Status });
const McpCall = z.looseObject({
  server_label: z.string(),
  name: z.string(),
  arguments: z.string(),
  output: z.string().nullish(),
  error: z.string().nullish(),
});
const McpApprovalRequest = z.looseObject({ id: z.string(), server_label: z.string(), name: z.string(), arguments: z.string() });
const McpApprovalResponse = z.looseObject({ approval_request_id: z.string(), approve: z.boolean(), reason: z.string().nullish() });
// Codex reads a local shell call's id from `call_id`, else `id`; the output item names the call by `id`.
const LocalShellCall = z.looseObject({
  id: z.string().nullish(),
  call_id: z.string().nullish(),
  status: Status,
  action: z.looseObject({ command: z.array(z.string()), working_directory: z.string().nullish() }),
});
const LocalShellCallOutput = z.looseObject({ id: z.string().min(1), output: z.string() });
const ShellCall = z.looseObject({ call_id: z.string().min(1), action: z.looseObject({ commands: z.array(z.string()) }) });
const ShellCallOutput = z.looseObject({
  call_id: z.string().min(1),
  output: z.array(
    z.looseObject({
      stdout: z.string(),
      stderr: z.string(),
      outcome: z.looseObject({ type: z.string(), exit_code: z.number().nullish() }).nullish(),
    }),
  ),
});
const ApplyPatchCall = z.looseObject({
  call_id: z.string().min(1),
  operation: z.looseObject({ type: z.string(), path: z.string(), diff: z.string().nullish() }),
});
const ApplyPatchCallOutput = z.looseObject({ call_id: z.string().min(1), status: z.string(), output: z.string().nullish() });

/** Reads one item (at `path`) into what the model is given of it; undefined when it is dropped. */
export type Reader = (raw: unknown, path: string) => HostedItem | undefined;

const READERS: ReadonlyMap<string, Reader> = new Map<string, Reader>([
  ['web_search_call', (raw, path) => webSearch(check(WebSearchCall, raw, path))],
  ['file_search_call', (raw, path) => fileSearch(check(FileSearchCall, raw, path))],
  ['code_interpreter_call', (raw, path) => codeInterpreter(check(CodeInterpreterCall, raw, path))],
  ['image_generation_call', (raw, path) => call(`Generated an image (image_generation); the image is not available here.${failed(check(ImageGenerationCall, raw, path).status)}`)],
  ['mcp_call', (raw, path) => mcpCall(check(McpCall, raw, path))],
  ['mcp_list_tools', () => undefined],
  ['mcp_approval_request', (raw, path) => approvalRequest(check(McpApprovalRequest, raw, path))],
  ['mcp_approval_response', (raw, path) => approvalResponse(check(McpApprovalResponse, raw, path))],
  ['local_shell_call', (raw, path) => localShell(check(LocalShellCall, raw, path))],
  ['local_shell_call_output', (raw, path) => localShellOutput(check(LocalShellCallOutput, raw, path))],
  ['shell_call', (raw, path) => shell(check(ShellCall, raw, path))],
  ['shell_call_output', (raw, path) => shellOutput(check(ShellCallOutput, raw, path))],
  ['apply_patch_call', (raw, path) => applyPatch(check(ApplyPatchCall, raw, path))],
  ['apply_patch_call_output', (raw, path) => applyPatchOutput(check(ApplyPatchCallOutput, raw, path))],
]);

/** The reader of the items of type `type`; undefined when it is not one of OpenAI's built-in tools carried here. */
export function hostedItemReader(type: string): Reader | undefined {
  return READERS.get(type);
}

/** A call's output, as it joins the call's note. */
export function outputText(output: string): string {
  return `Output:\n${output}`;
}

function call(text: string): HostedItem {
  return { kind: 'call', text, callIds: [] };
}

/** What the note adds for a call that did not succeed. */
function failed(status: string | null | undefined): string {
  if (status === 'failed') return ' It failed.';
  return status === 'incomplete' ? ' It did not complete.' : '';
}

/** A search, the page opened, or the text looked for in it; nothing for a call that says neither. */
function webSearch(item: z.infer<typeof WebSearchCall>): HostedItem | undefined {
  const action = item.action;
  if (action == null) return undefined;
  const queries = action.queries ?? (action.query != null ? [action.query] : []);
  switch (action.type) {
    case 'search': {
      const sources = action.sources != null && action.sources.length > 0 ? ` Sources: ${action.sources.map((s) => s.url).join(', ')}.` : '';
      return call(`Searched the web (web_search): ${quoted(queries)}.${sources}${failed(item.status)}`);
    }
    case 'open_page':
      return call(`Opened a web page (web_search): ${action.url ?? 'unknown'}.${failed(item.status)}`);
    case 'find_in_page':
      return call(`Looked for ${quoted(action.pattern != null ? [action.pattern] : [])} in the web page ${action.url ?? 'unknown'} (web_search).${failed(item.status)}`);
    default:
      return undefined;
  }
}

function fileSearch(item: z.infer<typeof FileSearchCall>): HostedItem {
  const results = (item.results ?? []).map((r) => `${r.filename ?? 'a file'}: ${r.text ?? ''}`);
  return call(`Searched the files (file_search): ${quoted(item.queries)}.${failed(item.status)}${results.length > 0 ? `\nResults:\n${results.join('\n')}` : ''}`);
}

function codeInterpreter(item: z.infer<typeof CodeInterpreterCall>): HostedItem {
  const outputs = (item.outputs ?? []).map((o) => (o.type === 'image' ? `Image: ${o.url ?? ''}` : (o.logs ?? '')));
  return call(`Ran code (code_interpreter):\n${item.code ?? ''}${failed(item.status)}${outputs.length > 0 ? `\n${outputText(outputs.join('\n'))}` : ''}`);
}

function mcpCall(item: z.infer<typeof McpCall>): HostedItem {
  const result = item.error != null ? `\nError: ${item.error}` : item.output != null ? `\n${outputText(item.output)}` : '';
  return call(`Called ${item.name} on the MCP server ${item.server_label} with ${item.arguments}.${result}`);
}

function approvalRequest(item: z.infer<typeof McpApprovalRequest>): HostedItem {
  return call(`Asked for approval (${item.id}) to call ${item.name} on the MCP server ${item.server_label} with ${item.arguments}.`);
}

function approvalResponse(item: z.infer<typeof McpApprovalResponse>): HostedItem {
  const reason = item.reason != null && item.reason !== '' ? `: ${item.reason}` : '.';
  return { kind: 'user', text: `${item.approve ? 'Approved' : 'Declined'} the MCP tool call ${item.approval_request_id}${reason}` };
}

function localShell(item: z.infer<typeof LocalShellCall>): HostedItem {
  const where = item.action.working_directory != null ? ` in ${item.action.working_directory}` : '';
  const callIds = [item.call_id, item.id].filter((id): id is string => id != null && id !== '');
  return { kind: 'call', text: `Ran a shell command (local_shell): ${JSON.stringify(item.action.command)}${where}.${failed(item.status)}`, callIds };
}

function localShellOutput(item: z.infer<typeof LocalShellCallOutput>): HostedItem {
  return { kind: 'output', callId: item.id, text: outputText(item.output) };
}

function shell(item: z.infer<typeof ShellCall>): HostedItem {
  return { kind: 'call', text: `Ran shell commands (shell):\n${item.action.commands.join('\n')}`, callIds: [item.call_id] };
}

function shellOutput(item: z.infer<typeof ShellCallOutput>): HostedItem {
  return { kind: 'output', callId: item.call_id, text: item.output.map(commandOutput).join('\n') };
}

/** One command's output of a `shell_call_output`: stdout, stderr when there is any, and how it ended. */
function commandOutput(output: z.infer<typeof ShellCallOutput>['output'][number]): string {
  const outcome = output.outcome?.type === 'timeout' ? ' (timed out)' : output.outcome?.exit_code != null ? ` (exit code ${output.outcome.exit_code})` : '';
  return `${outputText(output.stdout)}${output.stderr !== '' ? `\nstderr:\n${output.stderr}` : ''}${outcome}`;
}

function applyPatch(item: z.infer<typeof ApplyPatchCall>): HostedItem {
  const diff = item.operation.diff != null ? `\n${item.operation.diff}` : '';
  return { kind: 'call', text: `Applied a patch (apply_patch): ${item.operation.type} ${item.operation.path}${diff}`, callIds: [item.call_id] };
}

function applyPatchOutput(item: z.infer<typeof ApplyPatchCallOutput>): HostedItem {
  const said = item.output != null && item.output !== '' ? `: ${item.output}` : '';
  return { kind: 'output', callId: item.call_id, text: `Result: ${item.status}${said}` };
}

function quoted(texts: readonly string[]): string {
  return texts.map((t) => JSON.stringify(t)).join(', ');
}
