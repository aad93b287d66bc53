import type { FilePart } from '../../canonical/request.js';

/**
 * OpenAI's inline file data → a canonical file part. OpenAI documents `file_data` as a data URL
 * (`data:application/pdf;base64,…`); bare base64 is taken too when the filename's extension says what it is.
 * Returns undefined when neither tells the media type (the caller answers a 400 naming its own parameter).
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
export function fileFromData(fileData: string, filename: string | undefined): FilePart | undefined {
  const dataUrl = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(fileData);
  const mediaType = dataUrl ? dataUrl[1]! : mediaTypeOfName(filename);
  if (mediaType === undefined) return undefined;
  return { type: 'file', source: { kind: 'base64', mediaType, data: dataUrl ? dataUrl[2]! : fileData }, ...(filename !== undefined && { filename }) };
}

/** A file URL (Responses `file_url`) → a file part the provider fetches; the media type when the name says. */
export function fileFromUrl(url: string, filename: string | undefined): FilePart {
  const mediaType = mediaTypeOfName(filename ?? urlPath(url));
  return { type: 'file', source: { kind: 'url', url, ...(mediaType && { mediaType }) }, ...(filename !== undefined && { filename }) };
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  json: 'application/json',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function mediaTypeOfName(name: string | undefined): string | undefined {
  const ext = name === undefined ? undefined : /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : MEDIA_TYPES[ext];
}

function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
