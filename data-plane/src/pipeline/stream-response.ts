import type { StreamEvent } from '../canonical/events.js';
import { SSE_HEADERS, type Exchange } from '../http/exchange.js';
import { HttpError } from '../http/errors.js';
import { deadlines, type Watched } from '../upstream/deadlines.js';
import type { StreamEncoder } from '../surfaces/types.js';
import type { UsageOutcome, UsageRecorder } from '../usage/recorder.js';
import type { Accounting } from './accounting.js';

/**
 * Streamed answer: canonical events → the client's protocol, written as they arrive.
 *
 * The stream opens (status, headers, an SSE comment) when the upstream's answer does (`response-metadata`: its first
 * event; Gemini's comes with its first content), not before: an upstream that refuses (bad credentials, rate limit)
 * still gets a real HTTP error status. Its first events wait until content begins, so an upstream that fails before
 * producing anything can still be retried elsewhere (the pipeline ends the opened stream with the protocol's error
 * event if nothing else answers). After that a failure is the protocol's own in-stream error event, never a silently
 * truncated 200. A stream silent for the keep-alive interval gets an SSE comment (`Exchange.keepAlive`).
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
  const keepAlive = new KeepAlive(ex);
  deadlines.watch(keepAlive);
  try {
    return await encode(ex, events, encoder, accounting, usage);
  } finally {
    deadlines.unwatch(keepAlive);
  }
}

async function encode(
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
        ex.openEventStreamSoon();
        break;
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
          await send(encoder.start(accounting.reportedInput()));
        }
        ex.endStream(encoder.finish(event.finishReason, accounting.final()));
        if (!ex.aborted) return { status: 'success', httpStatus: 200 };
        break;
      default:
        if (!started) {
          started = true;
          await send(encoder.start(accounting.reportedInput()));
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
    ...ex.clientGone('before the stream was complete'),
  };
}

/** Keeps a silent stream's connection alive through proxies (`Exchange.keepAlive`), on the deadlines' sweep. */
class KeepAlive implements Watched {
  watchSlot = -1;

  constructor(private readonly ex: Exchange) {}

  checkDeadline(now: number): void {
    this.ex.keepAlive(now);
  }
}
