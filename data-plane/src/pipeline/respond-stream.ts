import type { Exchange } from '../http/exchange.js';
import { HttpError } from '../http/errors.js';
import { ChatChunkEncoder } from '../openai/chat-chunks.js';
import { toOpenAiFinishReason } from '../openai/finish-reason.js';
import { openAiUsage } from '../openai/usage.js';
import type { ProviderStreamEvent } from '../providers/types.js';
import type { UsageOutcome, UsageRecorder } from '../usage/recorder.js';
import type { ChatAccounting } from './chat-accounting.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/**
 * Streamed answer: provider events → OpenAI `chat.completion.chunk` events, written as they arrive.
 *
 * Headers are sent with the first provider event, not before: an upstream that fails before producing anything
 * (bad credentials, rate limit) still gets a proper HTTP error status instead of a 200 with an error inside.
 * Each write respects backpressure: when uWS had to buffer, we stop pulling from the provider until the socket
 * drains, so a slow client slows the upstream read instead of growing memory.
 */
export async function respondStream(
  ex: Exchange,
  events: AsyncIterable<ProviderStreamEvent>,
  encoder: ChatChunkEncoder,
  accounting: ChatAccounting,
  usage: UsageRecorder,
): Promise<UsageOutcome> {
  const send = async (chunk: string): Promise<void> => {
    if (!ex.write(chunk, 200, SSE_HEADERS)) await ex.drained();
  };
  let started = false;
  const start = async (): Promise<void> => {
    if (started) return;
    started = true;
    await send(encoder.role());
  };

  for await (const event of events) {
    if (ex.aborted) break;
    switch (event.type) {
      case 'text-delta':
        await start();
        usage.markFirstToken();
        accounting.deltas++;
        await send(encoder.delta(event.text));
        break;
      case 'error': {
        if (!started) throw new HttpError(event.error.status, event.error.type, event.error.code, event.error.message);
        const body = { error: { message: event.error.message, type: event.error.type, param: null, code: event.error.code } };
        ex.endStream(ChatChunkEncoder.error(body));
        return { status: 'error', httpStatus: ex.sentStatus, errorType: event.error.code ?? event.error.type, errorMessage: event.error.message };
      }
      case 'finish':
        await start();
        accounting.reported = event.usage;
        await send(encoder.finish(toOpenAiFinishReason(event.finishReason.unified)));
        ex.endStream(encoder.usage(openAiUsage(accounting.promptTokens, accounting.completionTokens)) + ChatChunkEncoder.DONE);
        if (!ex.aborted) return { status: 'success', httpStatus: 200 };
        break;
    }
    if (ex.aborted) break;
  }
  return {
    status: 'aborted',
    // What the client was told before it left, or nginx's "client closed request" when it was told nothing.
    httpStatus: ex.headersSent ? ex.sentStatus : 499,
    errorType: 'client_disconnected',
    errorMessage: 'client disconnected before the stream was complete',
  };
}
