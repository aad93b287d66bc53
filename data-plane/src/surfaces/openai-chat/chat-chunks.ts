import type { OpenAiErrorBody } from '../../http/errors.js';
import type { OpenAiUsage } from './usage.js';

/**
 * Encodes a streamed chat completion as OpenAI server-sent events, exactly as OpenAI sends them:
 *
 *   data: {…"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}
 *   data: {…"choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}   (× n)
 *   data: {…"delta":{"tool_calls":[{"index":0,"id":"call_…","type":"function","function":{"name":"f","arguments":""}}]}…}
 *   data: {…"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}…}                      (× n)
 *   data: {…"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}
 *   data: {…"choices":[],"usage":{…}}                         (only with stream_options.include_usage)
 *   data: [DONE]
 *
 * With `include_usage`, every chunk carries `"usage":null` except the final usage chunk, whose `choices` is empty.
 * Reasoning text (which OpenAI itself does not stream in chat) goes out as `reasoning_content` deltas, the
 * convention of OpenAI-compatible servers (vLLM, DeepSeek) that chat UIs render.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export class ChatChunkEncoder {
  static readonly DONE = 'data: [DONE]\n\n';
  /** Everything before `"choices"`, identical in every chunk of a stream: serialised once. */
  private readonly prefix: string;
  private readonly usageNull: string;

  constructor(id: string, created: number, model: string, private readonly includeUsage: boolean) {
    this.prefix = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":`;
    this.usageNull = includeUsage ? ',"usage":null' : '';
  }

  /** The first chunk: the assistant role, no text yet. */
  role(): string {
    return this.choice('{"role":"assistant","content":""}', 'null');
  }

  delta(text: string): string {
    return this.choice(`{"content":${JSON.stringify(text)}}`, 'null');
  }

  reasoning(text: string): string {
    return this.choice(`{"reasoning_content":${JSON.stringify(text)}}`, 'null');
  }

  toolCallStart(index: number, id: string, name: string): string {
    return this.choice(`{"tool_calls":[{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}]}`, 'null');
  }

  toolCallDelta(index: number, args: string): string {
    return this.choice(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(args)}}}]}`, 'null');
  }

  /** A call of the deprecated `functions` begins: `delta.function_call` with the name, no arguments yet. */
  functionCallStart(name: string): string {
    return this.choice(`{"function_call":{"name":${JSON.stringify(name)},"arguments":""}}`, 'null');
  }

  functionCallDelta(args: string): string {
    return this.choice(`{"function_call":{"arguments":${JSON.stringify(args)}}}`, 'null');
  }

  /** The chunk that ends the choice: empty delta, the finish reason. */
  finish(finishReason: string): string {
    return this.choice('{}', JSON.stringify(finishReason));
  }

  /** The usage-only chunk; empty string unless the client asked for `include_usage`. */
  usage(usage: OpenAiUsage): string {
    if (!this.includeUsage) return '';
    return `${this.prefix}[],"usage":${JSON.stringify(usage)}}\n\n`;
  }

  /** A mid-stream failure, the way OpenAI reports one: an event whose payload is an error object. */
  static error(body: OpenAiErrorBody): string {
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  private choice(delta: string, finishReason: string): string {
    return `${this.prefix}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]${this.usageNull}}\n\n`;
  }
}
