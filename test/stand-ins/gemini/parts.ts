/**
 * Gemini's checks on the parts of `contents`, with its (proto-JSON) error wording: only known fields (camelCase or
 * snake_case, as proto JSON allows), exactly one field of the `data` oneof, inline data with a MIME type Gemini
 * reads and valid base64, file data with a URI, function calls and responses with only their own fields (`id`
 * among them: the client sends a call's id back on the call and on its response).
 * @see https://ai.google.dev/api/caching#Part
 */

type Json = Record<string, unknown>;

/** The `data` oneof of a Part, by JSON name and proto name. */
const DATA_FIELDS: Readonly<Record<string, string>> = {
  text: 'text',
  inlineData: 'inline_data',
  inline_data: 'inline_data',
  fileData: 'file_data',
  file_data: 'file_data',
  functionCall: 'function_call',
  function_call: 'function_call',
  functionResponse: 'function_response',
  function_response: 'function_response',
  executableCode: 'executable_code',
  executable_code: 'executable_code',
  codeExecutionResult: 'code_execution_result',
  code_execution_result: 'code_execution_result',
};
const OTHER_FIELDS = new Set(['thought', 'thoughtSignature', 'thought_signature', 'partMetadata', 'part_metadata', 'videoMetadata', 'video_metadata', 'mediaResolution', 'media_resolution']);
const FUNCTION_CALL_FIELDS = new Set(['id', 'name', 'args']);
const FUNCTION_RESPONSE_FIELDS = new Set(['id', 'name', 'response', 'parts', 'willContinue', 'will_continue', 'scheduling']);
const MIME_PREFIXES = ['image/', 'audio/', 'video/', 'text/'];
const MIME_TYPES = ['application/pdf', 'application/json', 'application/x-javascript', 'application/x-python'];

/** The first problem with the request's parts, as Google words it, or undefined. */
export function checkParts(contents: readonly unknown[]): string | undefined {
  for (const [i, content] of contents.entries()) {
    const parts = (content as Json | null)?.parts;
    if (!Array.isArray(parts)) continue;
    for (const [j, part] of parts.entries()) {
      const problem = checkPart(part, `contents[${i}].parts[${j}]`);
      if (problem) return problem;
    }
  }
  return undefined;
}

function checkPart(part: unknown, at: string): string | undefined {
  if (!isObject(part)) return `Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Part), "${String(part)}"`;
  const data: string[] = [];
  for (const key of Object.keys(part)) {
    if (key in DATA_FIELDS) data.push(key);
    else if (!OTHER_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${at}': Cannot find field.`;
  }
  if (data.length === 0) return `* GenerateContentRequest.${at}.data: required oneof field 'data' must have one initialized field\n`;
  if (data.length > 1) return `Invalid value at '${at}.data' (oneof), oneof field 'data' is already set. Cannot set '${data[1]}'`;
  const field = DATA_FIELDS[data[0]!]!;
  if (field === 'inline_data') return checkInlineData(part[data[0]!], `${at}.inline_data`);
  if (field === 'file_data') return checkFileData(part[data[0]!], `${at}.file_data`);
  if (field === 'function_call') return checkFields(part[data[0]!], FUNCTION_CALL_FIELDS, `${at}.function_call`);
  if (field === 'function_response') return checkFields(part[data[0]!], FUNCTION_RESPONSE_FIELDS, `${at}.function_response`);
  return undefined;
}

function checkFields(value: unknown, known: ReadonlySet<string>, at: string): string | undefined {
  if (!isObject(value)) return undefined;
  const unknown = Object.keys(value).find((key) => !known.has(key));
  return unknown === undefined ? undefined : `Invalid JSON payload received. Unknown name "${unknown}" at '${at}': Cannot find field.`;
}

function checkInlineData(blob: unknown, at: string): string | undefined {
  if (!isObject(blob)) return `Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Blob), "${String(blob)}"`;
  const mimeType = blob.mimeType ?? blob.mime_type;
  if (typeof mimeType !== 'string' || mimeType === '') return `* GenerateContentRequest.${at}.mime_type: mime_type is not specified\n`;
  if (!MIME_PREFIXES.some((p) => mimeType.startsWith(p)) && !MIME_TYPES.includes(mimeType)) return `Unsupported MIME type: ${mimeType}`;
  const bytes = blob.data;
  if (typeof bytes !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(bytes)) return `Invalid value at '${at}.data' (TYPE_BYTES), Base64 decoding failed for "${String(bytes).slice(0, 40)}"`;
  return undefined;
}

function checkFileData(file: unknown, at: string): string | undefined {
  if (!isObject(file)) return `Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.FileData), "${String(file)}"`;
  const uri = file.fileUri ?? file.file_uri;
  if (typeof uri !== 'string' || uri === '') return `* GenerateContentRequest.${at}.file_uri: file_uri is not specified\n`;
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
