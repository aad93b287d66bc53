import { errors } from '../../http/errors.js';
import type { Surface } from '../types.js';
import { parseChatRequest, type ParsedChatRequest } from './chat-request.js';
import { openAiChatSurface } from './index.js';

const DEPLOYMENT_CHAT = /^\/openai\/deployments\/([^/]+)\/chat\/completions\/?$/;

/**
 * Azure OpenAI's URL scheme, `POST /openai/deployments/{deployment}/chat/completions?api-version=…`, so clients
 * built for Azure (the `AzureOpenAI` SDK client, tools with an "Azure" setting) work unchanged: the deployment
 * name is the model name, the key comes in `api-key` (or a bearer token), and `api-version` is accepted and
 * ignored (Tollgate speaks the current API to every client).
 */
export const azureChatSurface: Surface<ParsedChatRequest> = {
  ...openAiChatSurface,
  parse(body, head) {
    const match = DEPLOYMENT_CHAT.exec(head.url);
    if (!match) throw errors.routeNotFound(head.method, head.url);
    let deployment = match[1]!;
    try {
      deployment = decodeURIComponent(deployment);
    } catch {
      // keep it raw
    }
    return parseChatRequest(body, deployment);
  },
};
