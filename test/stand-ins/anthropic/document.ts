import type { RequestProblem } from './request.js';

/**
 * Anthropic's checks on a `document` block, with its error wording (pydantic paths that name the block and source
 * type, `messages.0.content.1.document.source.base64.media_type: …`): a source of a known type with its fields, a
 * base64 PDF that really is a PDF, text that is a string, optional string `title`/`context` and a `citations`
 * object.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
 */
export function checkDocument(block: Record<string, unknown>, where: string): RequestProblem | undefined {
  const at = `${where}.document`;
  const source = block.source as Record<string, unknown> | undefined;
  if (typeof source !== 'object' || source === null) return { message: `${at}.source: Field required` };
  for (const field of ['title', 'context'] as const) {
    if (block[field] != null && typeof block[field] !== 'string') return { message: `${at}.${field}: Input should be a valid string` };
  }
  const citations = block.citations as { enabled?: unknown } | null | undefined;
  if (citations != null && (typeof citations !== 'object' || (citations.enabled != null && typeof citations.enabled !== 'boolean'))) {
    return { message: `${at}.citations: Input should be a valid dictionary or object to extract fields from` };
  }
  return checkSource(source, `${at}.source`);
}

function checkSource(source: Record<string, unknown>, at: string): RequestProblem | undefined {
  switch (source.type) {
    case 'base64':
      if (source.media_type !== 'application/pdf') return { message: `${at}.base64.media_type: Input should be 'application/pdf'` };
      if (typeof source.data !== 'string') return { message: `${at}.base64.data: Field required` };
      if (!isPdf(source.data)) return { message: `${at}.base64.data: The PDF specified was not valid.` };
      return undefined;
    case 'text':
      if (source.media_type !== 'text/plain') return { message: `${at}.text.media_type: Input should be 'text/plain'` };
      if (typeof source.data !== 'string') return { message: `${at}.text.data: Field required` };
      return undefined;
    case 'url':
      return typeof source.url === 'string' ? undefined : { message: `${at}.url.url: Field required` };
    case 'content':
      return typeof source.content === 'string' || Array.isArray(source.content) ? undefined : { message: `${at}.content.content: Field required` };
    case 'file':
      return typeof source.file_id === 'string' ? undefined : { message: `${at}.file.file_id: Field required` };
    default:
      return { message: `${at}: Input tag '${String(source.type)}' found using 'type' does not match any of the expected tags: 'base64', 'content', 'text', 'url', 'file'` };
  }
}

/** Strict base64 (what Anthropic decodes) whose bytes start like a PDF. */
function isPdf(data: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) return false;
  return Buffer.from(data, 'base64').subarray(0, 5).toString('latin1') === '%PDF-';
}
