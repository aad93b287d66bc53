import { z } from 'zod';
import type { FilePart, FileSource } from '../../canonical/request.js';
import { cache, CacheControlSchema } from './cache-control.js';
import { invalidRequest } from './errors.js';
import { check } from './validate.js';

/**
 * Anthropic `document` blocks (PDFs and plain-text documents) → canonical file parts. Sources:
 * - `base64` (`application/pdf`), `url` (a PDF Anthropic fetches) and `text` (`text/plain`) map one to one;
 * - `content` (a list of blocks, Anthropic's "custom content" documents) is refused with a 400: it exists to
 *   control how citations chunk a document, which no other provider can honour and the canonical form does not
 *   model; the client can send the text as a `text` source, or the blocks themselves;
 * - `file` (an id from Anthropic's Files API) is refused with a 400: the gateway stores no files.
 * `title`, `context`, `citations.enabled` and `cache_control` are kept (only Anthropic targets use the first three).
 * @see https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
 */
const DocumentBlock = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.string() }),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.looseObject({ enabled: z.boolean().nullish() }).nullish(),
  cache_control: CacheControlSchema.nullish(),
});
const Base64PdfSource = z.looseObject({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string() });
const PlainTextSource = z.looseObject({ type: z.literal('text'), media_type: z.literal('text/plain'), data: z.string() });
const UrlPdfSource = z.looseObject({ type: z.literal('url'), url: z.string() });

export function documentPart(block: unknown, where: string): FilePart {
  const b = check(DocumentBlock, block, where);
  const enabled = b.citations?.enabled;
  return {
    type: 'file',
    source: documentSource(b.source, `${where}.source`),
    ...(b.title != null && { title: b.title }),
    ...(b.context != null && { context: b.context }),
    ...(enabled != null && { citations: enabled }),
    ...cache(b.cache_control),
  };
}

function documentSource(source: { type: string }, where: string): FileSource {
  switch (source.type) {
    case 'base64': {
      const s = check(Base64PdfSource, source, where);
      return { kind: 'base64', mediaType: s.media_type, data: s.data };
    }
    case 'text':
      return { kind: 'text', mediaType: 'text/plain', text: check(PlainTextSource, source, where).data };
    case 'url':
      return { kind: 'url', url: check(UrlPdfSource, source, where).url, mediaType: 'application/pdf' };
    case 'content':
      throw invalidRequest(
        `${where}.type`,
        "document sources of type 'content' are not supported by this gateway; send the text as a 'text' source, or the blocks themselves as content blocks.",
        'unsupported_value',
      );
    case 'file':
      throw invalidRequest(`${where}.type`, "document sources of type 'file' are not supported: files are not stored by the gateway; send the document as 'base64', 'url' or 'text'.", 'unsupported_value');
    default:
      throw invalidRequest(`${where}.type`, `document sources of type '${source.type}' are not supported; send the document as 'base64', 'url' or 'text'.`, 'unsupported_value');
  }
}
