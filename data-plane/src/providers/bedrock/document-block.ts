import type { ProviderError } from '../../canonical/errors.js';
import type { FilePart } from '../../canonical/request.js';
import type { DocumentBlock, DocumentFormat } from './wire.js';

/**
 * Canonical file parts → Converse `document` blocks.
 *
 * - Converse wants the bytes (base64 in JSON) or an S3 location: base64 files go as `bytes`, text documents as the
 *   UTF-8 bytes of their text (`txt`), `s3://` URLs as `s3Location`. Other URLs are a 400: the gateway does not
 *   fetch files.
 * - `format` comes from the media type (pdf, csv, doc, docx, xls, xlsx, html, txt, md); other types are a 400.
 * - `name` is required and strict (see `documentName`) and must be unique within the request, so one
 *   `DocumentNames` is used per request.
 * - `title`, `context` and citations are kept for Anthropic targets only; Converse receives none of them.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
 */
export function documentBlock(part: FilePart, names: DocumentNames): DocumentBlock {
  return { document: { format: documentFormat(part), name: names.take(part.filename ?? part.title), source: documentSource(part) } };
}

const FORMATS: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/html': 'html',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

function documentFormat(part: FilePart): DocumentFormat {
  // Anthropic URL documents are PDFs; an s3:// URL without a media type is taken as one too.
  const mediaType = (part.source.mediaType ?? 'application/pdf').toLowerCase();
  const format = FORMATS[mediaType];
  if (!format) throw invalidRequest('unsupported_file_type', `documents of type ${mediaType} are not supported (Converse reads pdf, csv, doc, docx, xls, xlsx, html, txt and md).`);
  return format;
}

function documentSource(part: FilePart): DocumentBlock['document']['source'] {
  const { source } = part;
  switch (source.kind) {
    case 'base64':
      return { bytes: source.data };
    case 'text':
      return { bytes: Buffer.from(source.text, 'utf8').toString('base64') };
    case 'url':
      if (source.url.startsWith('s3://')) return { s3Location: { uri: source.url } };
      throw invalidRequest(
        'file_url_not_supported',
        'Bedrock takes documents only as inline data or from S3 and the gateway does not fetch URLs: send the document base64-encoded, or as an s3:// URL.',
      );
  }
}

/** Longest name Converse takes, less room for a " (n)" suffix. */
const MAX_BASE_LENGTH = 190;

/**
 * A name Converse accepts, from a client's filename or title: the extension dropped (the format says it), accents
 * stripped, every run of other characters (dots, underscores, non-Latin letters) replaced by one hyphen, whitespace
 * runs collapsed to one space; `Document` when nothing is left.
 */
export function documentName(raw: string | undefined): string {
  const name = (raw ?? '')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]+/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/-{2,}/g, '-')
    .replace(/^[\s-]+|[\s-]+$/g, '')
    .slice(0, MAX_BASE_LENGTH)
    .trimEnd();
  return name === '' ? 'Document' : name;
}

/** Hands out document names unique within one request ("report", "report (2)", …), compared case-insensitively. */
export class DocumentNames {
  private readonly taken = new Set<string>();

  take(raw: string | undefined): string {
    const base = documentName(raw);
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

function invalidRequest(code: string, message: string): ProviderError {
  return { status: 400, type: 'invalid_request_error', code, message: `bedrock: ${message}`, provider: 'bedrock' };
}
