import { renderOpenAiError } from '../../http/errors.js';
import { openAiCredential } from '../../pipeline/authenticate.js';
import { forwardedPromptTokens } from '../../providers/token-estimate.js';
import { forwardOpenAiChat } from '../openai-chat/forward.js';
import { openAiUsage } from '../openai-chat/usage.js';
import type { Surface } from '../types.js';
import { textCompletion, textCompletionId } from './completion.js';
import { CompletionChunkEncoder } from './completion-chunks.js';
import { parseCompletionRequest, type ParsedCompletionRequest } from './completion-request.js';
import { toCompletionFinishReason } from './finish-reason.js';

/**
 * `POST /v1/completions`: OpenAI's legacy text completions in, any provider out. A provider that serves the
 * completions endpoint itself (OpenAI, Azure, OpenAI-compatible servers) gets the client's body as is, through the
 * same byte-forwarding fast path as chat, so instruct models (`gpt-3.5-turbo-instruct`) work; for every other
 * provider the prompt reaches the model as one user message (see `completion-request.ts`) and a chat model answers
 * it as chat.
 */
export const openAiCompletionsSurface: Surface<ParsedCompletionRequest> = {
  protocol: 'openai-completions',
  renderError: renderOpenAiError,
  credential: openAiCredential,
  parse: (body) => parseCompletionRequest(body),
  respond: (response, meta, _parsed, usage) =>
    textCompletion({ id: textCompletionId(meta.requestId), created: meta.created, model: meta.model, response, usage: openAiUsage(usage) }),
  streamEncoder(meta, parsed) {
    const chunks = new CompletionChunkEncoder(textCompletionId(meta.requestId), meta.created, meta.model, parsed.includeUsage);
    return {
      start: () => chunks.text(''),
      // Text only: reasoning has no place in this protocol, and tool calls cannot happen (no tools are offered).
      content: (event) => (event.type === 'text-delta' && event.text !== '' ? chunks.text(event.text) : ''),
      finish: (reason, usage) =>
        chunks.finish(toCompletionFinishReason(reason.unified)) + chunks.usage(openAiUsage(usage)) + CompletionChunkEncoder.DONE,
      error: (error) => CompletionChunkEncoder.error(error.toBody()),
    };
  },
  // Translated, the prompt becomes one user message: what that cannot carry is a 400 (`ParsedCompletionRequest.canonical`).
  refuseTranslated: (parsed) => void parsed.canonical,
  forward: (ex, parsed, call) =>
    forwardOpenAiChat(
      ex,
      {
        protocol: 'openai-completions',
        body: parsed.body,
        stream: parsed.stream,
        includeUsage: parsed.includeUsage,
        estimateInputTokens: () => forwardedPromptTokens(() => parsed.canonical, parsed.body.prompt),
      },
      call,
    ),
};
