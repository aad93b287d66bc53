/**
 * What Bedrock refuses of a Converse request because of the model it names, written from AWS's documentation and the
 * errors users report (apart from the adapter's own table, so a shared mistake cannot hide):
 *
 * - tools in ConverseStream for the families AWS's "Supported models and model features" table marks "Streaming tool
 *   use: No" (Meta Llama, Mistral AI, Cohere, DeepSeek, AI21 Jamba-Instruct): "This model doesn't support tool use in
 *   streaming mode." (earendil-works/pi#3739: Llama 4 Maverick and Scout);
 * - `toolConfig.toolChoice` members other than `auto` for models that do not take them: `tool` is "Only supported by
 *   Anthropic Claude 3 and Amazon Nova models" (ToolChoice API reference), `any` by those and Mistral Large
 *   ("ToolChoice is only supported by Anthropic Claude 3 models and by Mistral AI Mistral Large"), in Bedrock's words
 *   "This model doesn't support the toolConfig.toolChoice.any field. Remove toolConfig.toolChoice.any and try again."
 *   (strands-agents/harness-sdk#1241, vercel/ai#4396);
 * - `inferenceConfig.maxTokens` above the model's output limit, where the stand-in knows it: "The maximum tokens you
 *   requested exceeds the model limit of N. Try again with a maximum tokens value that is lower than N."
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolChoice.html
 */

type Json = Record<string, unknown>;

/** The foundation model of a model id, inference profile id (`us.`, `eu.`, `global.`…) or ARN. */
export function standInFoundationModel(modelId: string): string {
  const fromArn = /:(?:foundation-model|inference-profile)\/(.+)$/.exec(modelId)?.[1] ?? modelId;
  const parts = fromArn.split('.');
  return parts.length > 2 && ['us', 'eu', 'apac', 'jp', 'au', 'ca', 'us-gov', 'global'].includes(parts[0]!) ? parts.slice(1).join('.') : fromArn;
}

const NO_STREAMING_TOOLS = ['meta.llama', 'mistral.', 'cohere.', 'deepseek.', 'ai21.jamba-instruct'];

function takesToolChoice(model: string, member: string): boolean {
  if (member === 'auto') return true;
  if (model.startsWith('anthropic.') || model.startsWith('amazon.nova')) return true;
  return member === 'any' && model.startsWith('mistral.mistral-large');
}

/** Output limits of the models the stand-in knows (Llama 3.x and 4: 8,192; Nova Micro, Lite and Pro: 10,000). */
const MAX_OUTPUT: readonly (readonly [RegExp, number])[] = [
  [/^meta\.llama(3|4)/, 8192],
  [/^amazon\.nova-(micro|lite|pro)-v1/, 10_000],
];

export function modelProblem(modelId: string, operation: 'converse' | 'converse-stream' | 'count-tokens', body: Json): string | undefined {
  const model = standInFoundationModel(modelId);
  const toolConfig = body.toolConfig as { toolChoice?: Json } | undefined;
  if (operation === 'converse-stream' && toolConfig !== undefined && NO_STREAMING_TOOLS.some((p) => model.startsWith(p))) return "This model doesn't support tool use in streaming mode.";
  const member = toolConfig?.toolChoice ? Object.keys(toolConfig.toolChoice)[0] : undefined;
  if (member !== undefined && !takesToolChoice(model, member)) return `This model doesn't support the toolConfig.toolChoice.${member} field. Remove toolConfig.toolChoice.${member} and try again.`;
  const maxTokens = (body.inferenceConfig as { maxTokens?: unknown } | undefined)?.maxTokens;
  const limit = MAX_OUTPUT.find(([pattern]) => pattern.test(model))?.[1];
  if (operation !== 'count-tokens' && typeof maxTokens === 'number' && limit !== undefined && maxTokens > limit) {
    return `The maximum tokens you requested exceeds the model limit of ${limit}. Try again with a maximum tokens value that is lower than ${limit}.`;
  }
  return undefined;
}

/**
 * Bedrock-only steering, beside the shared script's directive in the last user message:
 *
 *   [[bedrock:{"exception":{"type":"throttlingException","afterChunks":0},"stopReason":"content_filtered"}]]
 *
 * - `exception`: a ConverseStream `exception` message of that type after `afterChunks` content deltas (0: the body's
 *   first message, before `messageStart`), ending the body; Converse answers the HTTP error of that type instead.
 * - `stopReason`: the answer's stop reason as given (`content_filtered`, `guardrail_intervened`, …), usage as usual.
 */
export interface BedrockDirective {
  readonly exception?: { readonly type: StreamExceptionType; readonly afterChunks: number; readonly message?: string };
  readonly stopReason?: string;
}

export type StreamExceptionType = 'throttlingException' | 'serviceUnavailableException' | 'internalServerException' | 'validationException' | 'modelStreamErrorException';

const DIRECTIVE = /\[\[bedrock:(\{.*?\})\]\]/s;

export function bedrockDirective(directive: BedrockDirective): string {
  return `[[bedrock:${JSON.stringify(directive)}]]`;
}

export function parseBedrockDirective(lastUserText: string): BedrockDirective {
  const match = DIRECTIVE.exec(lastUserText);
  return match ? (JSON.parse(match[1]!) as BedrockDirective) : {};
}

/** Each stream exception as Bedrock sends it: the HTTP error of a Converse call (status, type) and its payload. */
export const STREAM_EXCEPTIONS: Readonly<Record<StreamExceptionType, { readonly status: number; readonly httpType: string; readonly message: string }>> = {
  throttlingException: { status: 429, httpType: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  serviceUnavailableException: { status: 503, httpType: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
  internalServerException: { status: 500, httpType: 'InternalServerException', message: 'The server encountered an internal error while processing the request.' },
  validationException: { status: 400, httpType: 'ValidationException', message: 'Malformed input request, please reformat your input and try again.' },
  modelStreamErrorException: { status: 424, httpType: 'ModelErrorException', message: 'The model stream was interrupted. Try your request again.' },
};

export function exceptionPayload(type: StreamExceptionType, message: string): Json {
  return type === 'modelStreamErrorException' ? { message, originalStatusCode: 500, originalMessage: message } : { message };
}
