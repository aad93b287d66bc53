import { z } from 'zod';
import { errors } from '../http/errors.js';
import type { CanonicalChatRequest, CanonicalMessage, CanonicalPart, CanonicalRole } from '../providers/types.js';

/**
 * The OpenAI chat completions request, typed only as far as the gateway acts on it; unknown fields are allowed
 * (and ignored until a provider needs them), so new OpenAI parameters do not break clients.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
const TextPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const ImagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }),
});
const OtherPart = z.looseObject({ type: z.string() });
const ContentPart = z.union([TextPart, ImagePart, OtherPart]);

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPart)]).nullish(),
  name: z.string().optional(),
});

const ChatRequest = z.looseObject({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: z.array(Message).min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  user: z.string().nullish(),
});
type ChatRequest = z.infer<typeof ChatRequest>;

export interface ParsedChatRequest {
  /** Public model name as the client sent it. */
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly user: string | null;
  readonly canonical: CanonicalChatRequest;
}

/** Parses and validates a chat completions body; throws a 400 `HttpError` saying what is wrong. */
export function parseChatRequest(body: Buffer): ParsedChatRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw errors.invalidJson();
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw errors.invalidParameter(null, 'The request body must be a JSON object.');
  }
  for (const required of ['model', 'messages'] as const) {
    if (!(required in json) || (json as Record<string, unknown>)[required] == null) throw errors.missingParameter(required);
  }
  const parsed = ChatRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw errors.invalidParameter(param || null, issue.message);
  }
  const request = parsed.data;
  const stream = request.stream === true;
  return {
    model: request.model,
    stream,
    includeUsage: stream && request.stream_options?.include_usage === true,
    user: request.user ?? null,
    canonical: toCanonical(request, stream),
  };
}

function toCanonical(request: ChatRequest, stream: boolean): CanonicalChatRequest {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    messages: request.messages.map(toCanonicalMessage),
    stream,
    ...(maxTokens != null && { maxOutputTokens: maxTokens }),
    ...(request.temperature != null && { temperature: request.temperature }),
    ...(request.top_p != null && { topP: request.top_p }),
    ...(stop != null && { stop }),
    ...(request.user != null && { user: request.user }),
  };
}

function toCanonicalMessage(message: z.infer<typeof Message>): CanonicalMessage {
  // `function` is the legacy name of `tool`.
  const role: CanonicalRole = message.role === 'function' ? 'tool' : message.role;
  const content: CanonicalPart[] = [];
  if (typeof message.content === 'string') content.push({ type: 'text', text: message.content });
  else if (message.content) {
    for (const part of message.content) {
      if (part.type === 'text' && typeof part.text === 'string') content.push({ type: 'text', text: part.text });
      else if (part.type === 'image_url' && isImage(part)) content.push({ type: 'image', url: part.image_url.url, ...(part.image_url.detail && { detail: part.image_url.detail }) });
      // Other part types (audio, files) are not supported by any adapter yet and are dropped.
    }
  }
  return { role, content, ...(message.name !== undefined && { name: message.name }) };
}

function isImage(part: z.infer<typeof ContentPart>): part is z.infer<typeof ImagePart> {
  return ImagePart.safeParse(part).success;
}
