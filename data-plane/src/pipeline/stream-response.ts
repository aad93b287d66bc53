import type { StreamEvent } from '../canonical/events.js';
import type { Exchange } from '../http/exchange.js';
import { HttpError } from '../http/errors.js';
import type { StreamEncoder } from '../surfaces/types.js';
import type { UsageOutcome, UsageRecorder } from '../usage/recorder.js';
import type { Accounting } from './accounting.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/**
 * Streamed answer: canonical events → the client's protocol, written as they arrive.
 *
 * Headers go out with the first content event, not before: an upstream that fails before producing anything
 * (bad credentials, rate limit) still gets a real HTTP error status instead of a 200 with an error inside. After
 * that a failure is the protocol's own in-stream error event, never a silently truncated 200.
 * Each write respects backpressure: when uWS had to buffer, we stop pulling from the provider until the socket
 * drains, so a slow client slows the upstream read instead of growing memory.
 */
export async function streamResponse(
  ex: Exchange,
  events: AsyncIterable<StreamEvent>,
  encoder: StreamEncoder,
  accounting: Accounting,
  usage: UsageRecorder,
): Promise<UsageOutcome> {
  // Empty text still goes through `write` until the stream is open: the first write sends status and headers.
  const send = async (text: string): Promise<void> => {
    if ((text !== '' || !ex.headersSent) && !ex.write(text, 200, SSE_HEADERS)) await ex.drained();
  };
  let started = false;

  for await (const event of events) {
    if (ex.aborted) break;
    accounting.observe(event);
    switch (event.type) {
      case 'response-metadata':
      case 'usage':
        break;
      case 'error': {
        const error = HttpError.fromProvider(event.error);
        if (!started) throw error;
        ex.endStream(encoder.error(error));
        return { status: 'error', httpStatus: ex.sentStatus, errorType: error.code ?? error.type, errorMessage: error.message };
      }
      case 'finish':
        if (!started) {
          started = true;
          await send(encoder.start());
        }
        ex.endStream(encoder.finish(event.finishReason, accounting.final()));
        if (!ex.aborted) return { status: 'success', httpStatus: 200 };
        break;
      default:
        if (!started) {
          started = true;
          await send(encoder.start());
        }
        usage.markFirstToken();
        await send(encoder.content(event));
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
