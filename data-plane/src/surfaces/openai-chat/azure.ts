import { errors, type ErrorRenderer } from '../../http/errors.js';
import type { RequestHead } from '../../http/request-head.js';
import { parseCompletionRequest, type ParsedCompletionRequest } from '../openai-completions/completion-request.js';
import { openAiCompletionsSurface } from '../openai-completions/index.js';
import type { Surface } from '../types.js';
import { parseChatRequest, type ParsedChatRequest } from './chat-request.js';
import { openAiChatSurface } from './index.js';

/**
 * The deployment is everything before the operation: the `AzureOpenAI` client puts a model name with `/` in it
 * (`acme/claude`) into the path as it is, without encoding it.
 */
const DEPLOYMENT_OPERATION = /^\/openai\/deployments\/(.+?)\/(chat\/completions|completions|embeddings)\/?$/;

/** What an Azure deployment URL asks for: the deployment (Tollgate's model name) and the operation. */
export interface AzureDeploymentCall {
  readonly deployment: string;
  readonly operation: 'chat/completions' | 'completions' | 'embeddings';
}

/**
 * Azure OpenAI's URL scheme, `POST /openai/deployments/{deployment}/{operation}?api-version=…` for chat completions,
 * legacy completions and embeddings, so clients built for Azure (the `AzureOpenAI` SDK client, tools with an "Azure"
 * setting) work unchanged: the deployment name is the model name, the key comes in `api-key` (or a bearer token),
 * and `api-version` is accepted and ignored (Tollgate speaks the current API to every client). Null for any other
 * path under `/openai/deployments/` (a 404).
 */
export function azureDeploymentCall(url: string): AzureDeploymentCall | null {
  const match = DEPLOYMENT_OPERATION.exec(url);
  if (!match) return null;
  let deployment = match[1]!;
  try {
    deployment = decodeURIComponent(deployment);
  } catch {
    // keep it raw
  }
  return { deployment, operation: match[2] as AzureDeploymentCall['operation'] };
}

function deploymentOf(head: RequestHead): string {
  const call = azureDeploymentCall(head.url);
  if (call === null) throw errors.routeNotFound(head.method, head.url);
  return call.deployment;
}

/**
 * Errors in Azure's words: a prompt a provider's safety system refused is `code: "content_filter"` (with Azure's
 * `innererror`, the verdict per category, when Azure sent one), which code written for Azure OpenAI checks for;
 * everything else as OpenAI's.
 * @see https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-filter
 */
export const renderAzureError: ErrorRenderer = (error) => {
  const body = error.toBody();
  return error.code === 'content_policy_violation' ? { error: { ...body.error, code: 'content_filter' } } : body;
};

/** Chat completions at an Azure deployment URL. */
export const azureChatSurface: Surface<ParsedChatRequest> = {
  ...openAiChatSurface,
  parse: (body, head) => parseChatRequest(body, deploymentOf(head)),
  renderError: renderAzureError,
};

/** Legacy completions at an Azure deployment URL. */
export const azureCompletionsSurface: Surface<ParsedCompletionRequest> = {
  ...openAiCompletionsSurface,
  parse: (body, head) => parseCompletionRequest(body, deploymentOf(head)),
  renderError: renderAzureError,
};
