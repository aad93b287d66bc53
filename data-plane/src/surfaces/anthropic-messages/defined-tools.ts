import type { ToolDefinition } from '../../canonical/request.js';
import { invalidRequest } from './errors.js';

/**
 * Anthropic's typed tools (`type` other than `custom`) on a translated request.
 *
 * Anthropic-defined client tools (bash, the text editor, memory) carry no schema: Anthropic knows it, and the client
 * runs the tool. For another model they become function tools with that schema, under the client's name (the one
 * Anthropic requires when it gives none), so the model's calls reach the client as the `tool_use` blocks it handles.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/bash-tool
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/text-editor-tool
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/memory-tool
 *
 * Every other typed tool is refused with a 400 naming it, instead of being dropped: server tools (web search, web
 * fetch, code execution, tool search, MCP toolsets) run on Anthropic's side, and computer use needs a model trained
 * for Anthropic's screen protocol. Without the tool, a model would answer a "search the web" request from memory.
 */
export function definedTool(type: string, name: string | null | undefined, at: string): Omit<ToolDefinition, 'cacheControl'> {
  const family = type.replace(/_\d{8}$/, '');
  switch (family) {
    case 'bash':
      return { name: name ?? 'bash', description: BASH_DESCRIPTION, parameters: BASH_PARAMETERS };
    case 'text_editor': {
      const undo = EDITS_WITH_UNDO.has(type);
      return textEditor(name ?? (undo ? 'str_replace_editor' : 'str_replace_based_edit_tool'), undo);
    }
    case 'memory':
      return { name: name ?? 'memory', description: MEMORY_DESCRIPTION, parameters: MEMORY_PARAMETERS };
    case 'computer':
      throw invalidRequest(
        `${at}.type`,
        `'${type}' (computer use) needs a model trained for Anthropic's computer tool: this model is served by another provider through a translation. Use a Claude model served by Anthropic.`,
        'unsupported_value',
      );
    default:
      throw invalidRequest(
        `${at}.type`,
        `'${type}' is a tool Anthropic runs on its own servers: this model is served by another provider through a translation, which cannot run it. Use a model served by Anthropic, or leave the tool out.`,
        'unsupported_value',
      );
  }
}

const BASH_DESCRIPTION =
  'Runs a command in a bash shell that persists between calls (working directory, variables) and returns its output. Set restart to true to start a fresh shell.';

const BASH_PARAMETERS = {
  type: 'object',
  properties: {
    command: { type: 'string', description: 'The command to run. Required unless restart is true.' },
    restart: { type: 'boolean', description: 'true restarts the shell; leave it out otherwise.' },
  },
};

/** The editor versions with `undo_edit` (Claude 3.x); the Claude 4 ones (`text_editor_20250429` on) have none. */
const EDITS_WITH_UNDO = new Set(['text_editor_20241022', 'text_editor_20250124']);

function textEditor(name: string, undo: boolean): Omit<ToolDefinition, 'cacheControl'> {
  const commands = ['view', 'create', 'str_replace', 'insert', ...(undo ? ['undo_edit'] : [])];
  return {
    name,
    description:
      'Views, creates and edits text files. view: a file with its line numbers (view_range [first, last], 1-based, ' +
      'last -1 for the end of the file) or a directory listing. create: writes file_text to a new file. str_replace: ' +
      'replaces old_str, which must occur exactly once in the file, with new_str. insert: inserts new_str after line ' +
      `insert_line (0 for the top of the file).${undo ? ' undo_edit: reverts the last edit made to the file.' : ''}`,
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', enum: commands, description: 'The command to run.' },
        path: { type: 'string', description: 'Absolute path of the file or directory.' },
        file_text: { type: 'string', description: 'create: the content of the new file.' },
        old_str: { type: 'string', description: 'str_replace: the exact text to replace.' },
        new_str: { type: 'string', description: 'str_replace: the replacement; insert: the text to insert.' },
        insert_line: { type: 'integer', description: 'insert: the line after which to insert (0: the top of the file).' },
        view_range: { type: 'array', items: { type: 'integer' }, description: 'view: [first, last] line, 1-based; last -1 for the end.' },
      },
      required: ['command', 'path'],
    },
  };
}

const MEMORY_DESCRIPTION =
  'Reads and writes files in the memory directory (/memories), which persists between conversations: check it ' +
  'before starting a task, and record what is worth remembering. view: a file with its line numbers (view_range) ' +
  'or a directory listing. create: writes file_text to path. str_replace: replaces old_str (exactly once) with ' +
  'new_str. insert: inserts insert_text after line insert_line. delete: removes path. rename: moves old_path to new_path.';

const MEMORY_PARAMETERS = {
  type: 'object',
  properties: {
    command: { type: 'string', enum: ['view', 'create', 'str_replace', 'insert', 'delete', 'rename'], description: 'The command to run.' },
    path: { type: 'string', description: 'A path under /memories (every command but rename).' },
    view_range: { type: 'array', items: { type: 'integer' }, description: 'view: [first, last] line, 1-based.' },
    file_text: { type: 'string', description: 'create: the content of the file.' },
    old_str: { type: 'string', description: 'str_replace: the exact text to replace.' },
    new_str: { type: 'string', description: 'str_replace: the replacement.' },
    insert_line: { type: 'integer', description: 'insert: the line after which to insert (0: the top of the file).' },
    insert_text: { type: 'string', description: 'insert: the text to insert.' },
    old_path: { type: 'string', description: 'rename: the current path.' },
    new_path: { type: 'string', description: 'rename: the new path.' },
  },
  required: ['command'],
};
