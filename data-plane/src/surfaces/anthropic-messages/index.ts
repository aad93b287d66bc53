import { forwardedPromptTokens, roughPromptTokens } from '../../providers/token-estimate.js';
import type { Surface } from '../types.js';
import { anthropicCredential } from './credential.js';
import { renderAnthropicError } from './errors.js';
import { withoutForeignThinking } from './foreign-thinking.js';
import { forwardAnthropicMessages } from './forward.js';
import { anthropicMessage } from './message.js';
import { MessageEventEncoder } from './message-events.js';
import { parseMessagesRequest, refuseTranslatedMessages, type ParsedMessagesRequest } from './request.js';
import { anthropicUsage, messageId } from './usage.js';

export { countMessageTokens } from './count-tokens.js';

/** `POST /v1/messages`: Anthropic Messages in (Anthropic SDKs, Claude Code), any provider out. */
export const anthropicMessagesSurface: Surface<ParsedMessagesRequest> = {
  protocol: 'anthropic-messages',
  renderError: renderAnthropicError,
  credential: anthropicCredential,
  parse: (body, head) => parseMessagesRequest(body, { requireMaxTokens: true, anthropicBeta: head.anthropicBeta }),
  respond: (response, meta, _parsed, usage) =>
    anthropicMessage({ id: messageId(meta.requestId), model: meta.model, provider: meta.provider, response, usage: anthropicUsage(usage) }),
  // message_start's input count is a placeholder that message_delta supersedes, made on every streamed request: the
  // cheap estimate, not the tokenizer (about 1 ms of CPU per thousand prompt tokens, before the first byte).
  streamEncoder: (meta, parsed) =>
    new MessageEventEncoder(messageId(meta.requestId), meta.model, meta.provider, () => roughPromptTokens(parsed.canonical.messages, parsed.canonical.tools), meta.requestId),
  refuseTranslated: refuseTranslatedMessages,
  forward: (ex, parsed, call) =>
    forwardAnthropicMessages(
      ex,
      {
        body: withoutForeignThinking(parsed.body),
        stream: parsed.stream,
        clientHeaders: parsed.clientHeaders,
        estimateInputTokens: () => forwardedPromptTokens(() => parsed.canonical, promptOf(parsed.body)),
      },
      call,
    ),
};

/** What a Messages body prompts with: its system prompt, conversation and tools. */
function promptOf(body: Record<string, unknown>): unknown {
  return [body.system, body.messages, body.tools];
}
