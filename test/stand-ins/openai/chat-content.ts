/**
 * OpenAI's checks on chat message content that an adapter can get wrong, with its wording: content part types per
 * role (files only from users; system, developer and tool messages hold text), and `file` parts whose `file_data`
 * is a base64 data URL of a PDF, the one file type chat completions reads.
 * @see https://platform.openai.com/docs/guides/pdf-files
 */

export interface ContentProblem {
  readonly message: string;
  readonly param: string;
}

const PART_TYPES: Readonly<Record<string, readonly string[]>> = {
  user: ['text', 'image_url', 'input_audio', 'file'],
  system: ['text'],
  developer: ['text'],
  tool: ['text'],
  assistant: ['text', 'refusal'],
};

export function checkChatContent(messages: readonly { role?: string; content?: unknown }[]): ContentProblem | undefined {
  for (const [i, message] of messages.entries()) {
    if (!Array.isArray(message.content)) continue;
    const allowed = PART_TYPES[message.role ?? ''] ?? [];
    for (const [j, part] of (message.content as { type?: unknown; file?: unknown }[]).entries()) {
      const at = `messages[${i}].content[${j}]`;
      if (!allowed.includes(String(part?.type))) {
        return { param: `${at}.type`, message: `Invalid value: '${String(part?.type)}'. Supported values are: ${listOf(allowed)}.` };
      }
      if (part.type === 'file') {
        const problem = checkFile(part.file, `${at}.file`);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

function checkFile(file: unknown, at: string): ContentProblem | undefined {
  const f = (typeof file === 'object' && file !== null ? file : {}) as { file_data?: unknown; file_id?: unknown };
  if (f.file_data === undefined && f.file_id === undefined) return { param: at, message: `Invalid '${at}': expected an object with 'file_data' or 'file_id'.` };
  if (f.file_data === undefined) return undefined;
  const param = `${at}.file_data`;
  const expected = `Invalid file data: '${param}'. Expected a base64-encoded data URL with an application/pdf MIME type (e.g. 'data:application/pdf;base64,SGVsbG8sIFdvcmxkIQ==')`;
  const match = typeof f.file_data === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(f.file_data) : null;
  if (!match || !/^[A-Za-z0-9+/]*={0,2}$/.test(match[2]!)) return { param, message: `${expected}, but got an invalid base64-encoded value.` };
  if (match[1] !== 'application/pdf') return { param, message: `${expected}, but got unsupported MIME type '${match[1]}'.` };
  return undefined;
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`, as OpenAI lists values. */
function listOf(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 2) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)!}`;
}
