import { estimatePromptTokens } from '../../providers/token-estimate.js';
import type { Surface } from '../types.js';
import { anthropicCredential } from './credential.js';
import { renderAnthropicError } from './errors.js';
import { anthropicMessage } from './message.js';
import { MessageEventEncoder } from './message-events.js';
import { parseMessagesRequest, type ParsedMessagesRequest } from './request.js';
import { anthropicUsage, messageId } from './usage.js';

export { countMessageTokens } from './count-tokens.js';

/** `POST /v1/messages`: Anthropic Messages in (Anthropic SDKs, Claude Code), any provider out. */
export const anthropicMessagesSurface: Surface<ParsedMessagesRequest> = {
  protocol: 'anthropic-messages',
  renderError: renderAnthropicError,
  credential: anthropicCredential,
  parse: (body, head) => parseMessagesRequest(body, { requireMaxTokens: true, anthropicBeta: head.anthropicBeta }),
  respond: (response, meta, _parsed, usage) =>
    anthropicMessage({ id: messageId(meta.requestId), model: meta.model, response, usage: anthropicUsage(usage) }),
  streamEncoder: (meta, parsed) =>
    new MessageEventEncoder(messageId(meta.requestId), meta.model, () => estimatePromptTokens(parsed.canonical.messages, parsed.canonical.tools)),
};
