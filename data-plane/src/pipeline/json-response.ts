import type { StreamEvent } from '../canonical/events.js';
import type { Exchange } from '../http/exchange.js';
import { HttpError } from '../http/errors.js';
import { ResponseCollector } from '../surfaces/collect.js';
import type { ParsedInbound, ResponseMeta, Surface } from '../surfaces/types.js';
import type { UsageOutcome } from '../usage/recorder.js';
import type { Accounting } from './accounting.js';

/**
 * Non-streamed answer: collects the provider's events into blocks and lets the surface render its response
 * object. A provider error becomes an HTTP error response (nothing has been sent yet); a client that leaves early
 * just stops the provider.
 */
export async function jsonResponse<P extends ParsedInbound>(
  ex: Exchange,
  events: AsyncIterable<StreamEvent>,
  surface: Surface<P>,
  meta: ResponseMeta,
  parsed: P,
  accounting: Accounting,
): Promise<UsageOutcome> {
  const collector = new ResponseCollector();
  for await (const event of events) {
    if (ex.aborted) break;
    accounting.observe(event);
    switch (event.type) {
      case 'response-metadata':
      case 'usage':
        break;
      case 'error':
        throw HttpError.fromProvider(event.error);
      case 'finish':
        collector.response.finishReason = event.finishReason;
        ex.sendJson(200, surface.respond(collector.response, meta, parsed, accounting.final()));
        return { status: 'success', httpStatus: 200 };
      default:
        collector.add(event);
    }
  }
  return { status: 'aborted', httpStatus: 499, errorType: 'client_disconnected', errorMessage: 'client disconnected before the answer was complete' };
}
