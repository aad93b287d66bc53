import type { ProviderError } from '../../canonical/errors.js';
import type { FilePart } from '../../canonical/request.js';
import type { AnthropicDocumentBlock } from './wire.js';

/**
 * A canonical file part → an Anthropic `document` block (without `cache_control`, which the caller adds like on
 * every block). Anthropic reads PDFs (base64 or a URL it fetches) and plain text: base64 text of any `text/*`
 * type (an OpenAI client's .txt, .md or .csv file) is decoded into a `text` source; other types are a 400.
 * `title` is the client's title, else its filename; `context` and `citations` go through as given.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
 */
export function documentBlock(part: FilePart): Omit<AnthropicDocumentBlock, 'cache_control'> {
  const title = part.title ?? part.filename;
  return {
    type: 'document',
    source: documentSource(part.source),
    ...(title !== undefined && { title }),
    ...(part.context !== undefined && { context: part.context }),
    ...(part.citations !== undefined && { citations: { enabled: part.citations } }),
  };
}

function documentSource(source: FilePart['source']): AnthropicDocumentBlock['source'] {
  switch (source.kind) {
    case 'text':
      return { type: 'text', media_type: 'text/plain', data: source.text };
    case 'url':
      return { type: 'url', url: source.url };
    case 'base64': {
      const mediaType = source.mediaType.toLowerCase();
      if (mediaType === 'application/pdf') return { type: 'base64', media_type: 'application/pdf', data: source.data };
      if (mediaType.startsWith('text/')) return { type: 'text', media_type: 'text/plain', data: Buffer.from(source.data, 'base64').toString('utf8') };
      throw unsupportedType(source.mediaType);
    }
  }
}

function unsupportedType(mediaType: string): ProviderError {
  return {
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_file_type',
    message: mediaType.toLowerCase().startsWith('audio/')
      ? `anthropic: Claude takes no audio input (${mediaType}); send a transcript as text.`
      : `anthropic: documents of type ${mediaType} are not supported; Anthropic reads PDF (application/pdf) and plain-text documents.`,
    provider: 'anthropic',
  };
}
