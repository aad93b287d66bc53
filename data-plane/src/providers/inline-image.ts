import type { ImageSource } from '../canonical/request.js';

/** An image's bytes, base64, and its media type in canonical spelling (`inlineImage`). */
export interface InlineImage {
  readonly mediaType: string;
  readonly data: string;
}

/** The four image types every provider takes (Anthropic's only ones; Bedrock's; Gemini takes HEIC/HEIF too). */
export const COMMON_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * An image given inline (a base64 source, or a `data:` URL, as OpenAI clients send one; parameters before `;base64`
 * allowed), or undefined for a URL the provider would fetch. The media type is lower case and `image/jpg` is
 * `image/jpeg`: media types are case-insensitive (RFC 2045) and `image/jpg` is common in client code, but Anthropic
 * and Gemini take only `image/jpeg`, as written.
 */
export function inlineImage(source: ImageSource): InlineImage | undefined {
  if (source.kind === 'base64') return { mediaType: canonicalImageType(source.mediaType), data: source.data };
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(source.url);
  return match ? { mediaType: canonicalImageType(match[1]!), data: match[2]! } : undefined;
}

function canonicalImageType(type: string): string {
  const lower = type.trim().toLowerCase();
  return lower === 'image/jpg' || lower === 'image/pjpeg' ? 'image/jpeg' : lower;
}
