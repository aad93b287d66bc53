/**
 * Bedrock's checks on `document` blocks, with its messages: a format it reads, a name of the allowed characters,
 * exactly one source, bytes that are base64 (and a PDF when the format says pdf), names unique in the request, at
 * most five documents, and a text block beside documents in a message.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
 */

type Json = Record<string, unknown>;

const FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'];
const SOURCES = ['bytes', 's3Location', 'text', 'content'];
const NAME = /^[A-Za-z0-9\s\-()[\]]{1,200}$/;
const MAX_DOCUMENTS = 5;

/** Checks every document of the request (message blocks and tool results); the first problem, or undefined. */
export function checkDocuments(messages: readonly Json[]): string | undefined {
  const names = new Set<string>();
  for (const [i, message] of messages.entries()) {
    const content = message.content as Json[];
    const documents = content.flatMap((block, j) => [
      ...('document' in block ? [{ document: block.document, where: `messages.${i}.content.${j}` }] : []),
      ...toolResultDocuments(block).map((document, k) => ({ document, where: `messages.${i}.content.${j}.toolResult.content.${k}` })),
    ]);
    for (const { document, where } of documents) {
      const problem = checkDocument(document, where);
      if (problem) return problem;
      const name = ((document as Json).name as string).toLowerCase();
      if (names.has(name)) return "Messages can't contain duplicate document names. Rename the document and retry your request.";
      names.add(name);
    }
    if (content.some((b) => 'document' in b) && !content.some((b) => 'text' in b)) return 'A text block must be included when using documents. Add a text block and retry your request.';
  }
  if (names.size > MAX_DOCUMENTS) return `You can't include more than ${MAX_DOCUMENTS} documents in a request.`;
  return undefined;
}

function toolResultDocuments(block: Json): unknown[] {
  const result = block.toolResult as Json | undefined;
  if (!isObject(result) || !Array.isArray(result.content)) return [];
  return (result.content as unknown[]).flatMap((c) => (isObject(c) && 'document' in c ? [c.document] : []));
}

function checkDocument(document: unknown, where: string): string | undefined {
  if (!isObject(document)) return `The document in the ContentBlock object at ${where} is malformed.`;
  if (document.format !== undefined && !FORMATS.includes(document.format as string)) {
    return `1 validation error detected: Value '${String(document.format)}' at '${where}.member.document.format' failed to satisfy constraint: Member must satisfy enum value set: [${FORMATS.join(', ')}]`;
  }
  const name = document.name;
  if (typeof name !== 'string' || !NAME.test(name) || /\s\s/.test(name)) {
    return "The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character.";
  }
  const source = document.source;
  const members = isObject(source) ? Object.keys(source).filter((k) => SOURCES.includes(k)) : [];
  if (!isObject(source) || members.length !== 1 || Object.keys(source).length !== 1) return `The document source at ${where} must set exactly one of the following keys: ${SOURCES.join(', ')}.`;
  if ('bytes' in source) return checkBytes(source.bytes, document.format, where);
  return undefined;
}

function checkBytes(bytes: unknown, format: unknown, where: string): string | undefined {
  if (typeof bytes !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(bytes) || bytes.length % 4 !== 0 || bytes === '') {
    return `The document bytes at ${where} are not valid base64.`;
  }
  if (format === 'pdf' && Buffer.from(bytes, 'base64').subarray(0, 5).toString('latin1') !== '%PDF-') {
    return `The model returned the following errors: ${where}.document.source.bytes: The PDF specified was not valid.`;
  }
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
