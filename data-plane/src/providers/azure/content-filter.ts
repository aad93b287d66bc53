import type { ParsedOpenAiError } from '../openai/errors.js';

/**
 * Azure's content filter rejecting a prompt: HTTP 400 with `code: "content_filter"` (innererror
 * `ResponsibleAIPolicyViolation` and the per-category `content_filter_result`). A completion the filter stops
 * part-way is not an error: it ends with `finish_reason: "content_filter"`, which the shared stream mapping
 * already makes a `content-filter` finish, usage included (Azure bills the tokens).
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-filter
 */
export function isAzureContentFilterError(error: ParsedOpenAiError): boolean {
  if (error.code === 'content_filter') return true;
  const inner = (error.body as { error?: { innererror?: { code?: unknown } } } | undefined)?.error?.innererror;
  return inner?.code === 'ResponsibleAIPolicyViolation';
}
