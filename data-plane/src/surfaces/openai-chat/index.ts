import { renderOpenAiError } from '../../http/errors.js';
import { openAiCredential } from '../../pipeline/authenticate.js';
import type { Surface } from '../types.js';
import { ChatChunkEncoder } from './chat-chunks.js';
import { chatCompletion } from './chat-completion.js';
import { parseChatRequest, refuseTranslatedChat, type ParsedChatRequest } from './chat-request.js';
import { toOpenAiFinishReason } from './finish-reason.js';
import { forwardOpenAiChat } from './forward.js';
import { forwardedPromptTokens } from '../../providers/token-estimate.js';
import { completionId, openAiUsage } from './usage.js';

/** `POST /v1/chat/completions` (and Azure's deployment route): OpenAI chat in, any provider out. */
export const openAiChatSurface: Surface<ParsedChatRequest> = {
  protocol: 'openai-chat',
  renderError: renderOpenAiError,
  credential: openAiCredential,
  parse: (body) => parseChatRequest(body),
  respond: (response, meta, parsed, usage) =>
    chatCompletion({
      id: completionId(meta.requestId),
      created: meta.created,
      model: meta.model,
      response,
      usage: openAiUsage(usage),
      legacyFunctions: parsed.legacyFunctions,
    }),
  streamEncoder(meta, parsed) {
    const chunks = new ChatChunkEncoder(completionId(meta.requestId), meta.created, meta.model, parsed.includeUsage);
    const { legacyFunctions } = parsed;
    // The deprecated `functions` are answered with one `function_call`: the first call's (one is asked for).
    let functionCall: number | undefined;
    return {
      start: () => chunks.role(),
      content(event) {
        switch (event.type) {
          case 'text-delta': return chunks.delta(event.text);
          case 'reasoning-delta': return chunks.reasoning(event.text);
          case 'tool-call-start':
            if (!legacyFunctions) return chunks.toolCallStart(event.index, event.id, event.name);
            if (functionCall !== undefined) return '';
            functionCall = event.index;
            return chunks.functionCallStart(event.name);
          case 'tool-call-delta':
            if (!legacyFunctions) return chunks.toolCallDelta(event.index, event.argumentsDelta);
            return event.index === functionCall ? chunks.functionCallDelta(event.argumentsDelta) : '';
          // Signatures and redacted reasoning have no place in OpenAI chat; tool calls end implicitly.
          default: return '';
        }
      },
      finish: (reason, usage) => chunks.finish(toOpenAiFinishReason(reason.unified, legacyFunctions)) + chunks.usage(openAiUsage(usage)) + ChatChunkEncoder.DONE,
      error: (error) => ChatChunkEncoder.error(error.toBody()),
    };
  },
  refuseTranslated: refuseTranslatedChat,
  forward: (ex, parsed, call) =>
    forwardOpenAiChat(
      ex,
      {
        body: parsed.body,
        stream: parsed.stream,
        includeUsage: parsed.includeUsage,
        estimateInputTokens: () => forwardedPromptTokens(() => parsed.canonical, parsed.body.messages),
      },
      call,
    ),
};
