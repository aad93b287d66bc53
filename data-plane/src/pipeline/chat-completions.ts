import { ClientGoneError, type Exchange } from '../http/exchange.js';
import { errors, HttpError } from '../http/errors.js';
import type { RequestHead } from '../http/request-head.js';
import { ChatChunkEncoder } from '../openai/chat-chunks.js';
import { parseChatRequest } from '../openai/chat-request.js';
import { completionId } from '../openai/usage.js';
import { estimatePromptTokens } from '../providers/token-estimate.js';
import { UsageRecorder, type UsageOutcome } from '../usage/recorder.js';
import { authenticate } from './authenticate.js';
import { ChatAccounting } from './chat-accounting.js';
import type { PipelineDeps } from './context.js';
import { requireConfig } from './require-config.js';
import { resolveModel } from './resolve-model.js';
import { respondJson } from './respond-json.js';
import { respondStream } from './respond-stream.js';

/**
 * `POST /v1/chat/completions`: the request pipeline, in order. Each ordering rule has its reason:
 *
 * 1. config: nothing can be decided without a snapshot (503).
 * 2. authenticate, from the header alone and BEFORE reading the body, so an unauthenticated client cannot make
 *    the gateway buffer up to maxBodyBytes (401). From here on the request is attributable and ends in exactly one
 *    usage event, whatever happens.
 * 3. read the body under the size cap (413), parse and validate it (400).
 * 4. resolve the model: unknown (404) is checked before allowed (403).
 * 5. provider adapter → upstream call → stream translation → response, aborting upstream if the client leaves.
 *
 * Steps 1–3 start synchronously, inside the uWS handler: the body reader must be attached before it returns.
 */
export async function chatCompletions(deps: PipelineDeps, ex: Exchange, head: RequestHead): Promise<void> {
  let usage: UsageRecorder | undefined;
  try {
    const config = requireConfig(deps.config, ex);
    const key = authenticate(config, head.authorization, Date.now());
    usage = new UsageRecorder({ requestId: ex.requestId, key, route: head.url, dataPlaneId: deps.dataPlaneId }, deps.emitUsage);

    const chat = parseChatRequest(await ex.readBody(deps.maxBodyBytes, head.contentLength));
    usage.model = chat.model;
    usage.stream = chat.stream;
    usage.endUser = chat.user;

    const model = resolveModel(config, key, chat.model);
    usage.useModel(model);
    const provider = deps.providers.get(model.provider);
    if (provider === undefined) throw errors.providerUnavailable(model.provider);

    const accounting = new ChatAccounting(() => estimatePromptTokens(chat.canonical.messages));
    const events = provider.chat(chat.canonical, { target: model, signal: ex.signal, secrets: deps.secrets });
    const meta = { id: completionId(ex.requestId), created: Math.floor(Date.now() / 1000), model: chat.model };
    const outcome: UsageOutcome = chat.stream
      ? await respondStream(ex, events, new ChatChunkEncoder(meta.id, meta.created, meta.model, chat.includeUsage), accounting, usage)
      : await respondJson(ex, events, meta, accounting);
    // Success, client abort or a mid-stream failure: the upstream worked on the prompt, bill what it produced.
    // (A provider error before any output throws instead and is billed nothing.)
    usage.promptTokens = accounting.promptTokens;
    usage.completionTokens = accounting.completionTokens;
    usage.finish(outcome);
  } catch (err) {
    fail(deps, ex, err, usage);
  }
}

/** The one place a failed request turns into a response and, when attributable, a usage event. */
function fail(deps: PipelineDeps, ex: Exchange, err: unknown, usage: UsageRecorder | undefined): void {
  if (err instanceof ClientGoneError || ex.aborted) {
    usage?.finish({ status: 'aborted', httpStatus: ex.headersSent ? ex.sentStatus : 499, errorType: 'client_disconnected', errorMessage: 'client disconnected' });
    return;
  }
  let error: HttpError;
  if (err instanceof HttpError) {
    error = err;
  } else {
    deps.logger.error('chat completion failed', { requestId: ex.requestId, error: err });
    error = errors.internal();
  }
  // Mid-stream the status line is long gone: the error travels as an SSE event, the way OpenAI reports it.
  if (ex.headersSent) ex.endStream(ChatChunkEncoder.error(error.toBody()));
  else ex.sendError(error);
  usage?.finish({ status: 'error', httpStatus: ex.sentStatus || error.status, errorType: error.code ?? error.type, errorMessage: error.message });
}
