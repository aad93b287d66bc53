import type { Exchange } from '../http/exchange.js';
import { HttpError } from '../http/errors.js';
import { chatCompletion } from '../openai/chat-completion.js';
import { toOpenAiFinishReason } from '../openai/finish-reason.js';
import { openAiUsage } from '../openai/usage.js';
import type { ProviderStreamEvent } from '../providers/types.js';
import type { UsageOutcome } from '../usage/recorder.js';
import type { ChatAccounting } from './chat-accounting.js';

/**
 * Non-streamed answer: collects the provider's events into one `chat.completion`. A provider error becomes an
 * HTTP error response (nothing has been sent yet); a client that leaves early just stops the provider.
 */
export async function respondJson(
  ex: Exchange,
  events: AsyncIterable<ProviderStreamEvent>,
  meta: { id: string; created: number; model: string },
  accounting: ChatAccounting,
): Promise<UsageOutcome> {
  const parts: string[] = [];
  for await (const event of events) {
    if (ex.aborted) break;
    switch (event.type) {
      case 'text-delta':
        accounting.deltas++;
        parts.push(event.text);
        break;
      case 'error':
        throw new HttpError(event.error.status, event.error.type, event.error.code, event.error.message);
      case 'finish': {
        accounting.reported = event.usage;
        ex.sendJson(200, chatCompletion({
          ...meta,
          content: parts.join(''),
          finishReason: toOpenAiFinishReason(event.finishReason.unified),
          usage: openAiUsage(accounting.promptTokens, accounting.completionTokens),
        }));
        return { status: 'success', httpStatus: 200 };
      }
    }
  }
  return { status: 'aborted', httpStatus: 499, errorType: 'client_disconnected', errorMessage: 'client disconnected before the answer was complete' };
}
