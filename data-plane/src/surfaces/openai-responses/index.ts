import { renderOpenAiError } from '../../http/errors.js';
import { openAiCredential } from '../../pipeline/authenticate.js';
import type { Surface } from '../types.js';
import { forwardResponses } from './forward.js';
import { parseResponsesRequest, type ParsedResponsesRequest } from './request.js';
import { respond } from './respond.js';
import { ResponsesStreamEncoder } from './stream-encoder.js';

/**
 * `POST /v1/responses`: the OpenAI Responses API in. A deployment that speaks Responses itself (OpenAI) gets the
 * request as is and its answer goes back as is (`forward.ts`: stored responses, built-in tools and all); any other
 * provider gets it translated, statelessly (nothing is stored, so `previous_response_id` and friends are refused
 * with a 400 saying so, once the target is known).
 */
export const openAiResponsesSurface: Surface<ParsedResponsesRequest> = {
  protocol: 'openai-responses',
  renderError: renderOpenAiError,
  credential: openAiCredential,
  parse: (body) => parseResponsesRequest(body),
  respond,
  streamEncoder: (meta, parsed) => new ResponsesStreamEncoder(meta, parsed.echo, parsed.customTools, parsed.reasoningSummaries),
  forward: forwardResponses,
};
