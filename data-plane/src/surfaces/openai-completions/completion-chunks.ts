import type { OpenAiErrorBody } from '../../http/errors.js';
import type { OpenAiUsage } from '../openai-chat/usage.js';

/**
 * Encodes a streamed legacy completion as OpenAI server-sent events. Every chunk is a `text_completion` object
 * with the same id:
 *
 *   data: {…"object":"text_completion",…"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":null}]}
 *   data: {…"choices":[{"text":"Hello","index":0,"logprobs":null,"finish_reason":null}]}          (× n)
 *   data: {…"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}]}
 *   data: {…"choices":[],"usage":{…}}                      (only with stream_options.include_usage)
 *   data: [DONE]
 *
 * The first, empty chunk opens the stream (the pipeline sends headers with it, see `StreamEncoder.start`): a
 * model that thinks before it writes produces no text for a while, and the stream must be open by then so a later
 * failure can still be reported in-stream. With `include_usage`, every chunk carries `"usage":null` except the
 * final usage chunk, whose `choices` is empty.
 * @see https://platform.openai.com/docs/api-reference/completions/create#completions-create-stream
 */
export class CompletionChunkEncoder {
  static readonly DONE = 'data: [DONE]\n\n';
  /** Everything before `"choices"`, identical in every chunk of a stream: serialised once. */
  private readonly prefix: string;
  private readonly usageNull: string;

  constructor(id: string, created: number, model: string, private readonly includeUsage: boolean) {
    this.prefix = `data: {"id":${JSON.stringify(id)},"object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":`;
    this.usageNull = includeUsage ? ',"usage":null' : '';
  }

  text(text: string): string {
    return this.choice(text, 'null');
  }

  /** The chunk that ends the choice: no text, the finish reason. */
  finish(finishReason: string): string {
    return this.choice('', JSON.stringify(finishReason));
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

  private choice(text: string, finishReason: string): string {
    return `${this.prefix}[{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${finishReason}}]${this.usageNull}}\n\n`;
  }
}
