import { renderOpenAiError } from '../../http/errors.js';
import { openAiCredential } from '../../pipeline/authenticate.js';
import type { Surface } from '../types.js';
import { parseResponsesRequest, type ParsedResponsesRequest } from './request.js';
import { respond } from './respond.js';
import { ResponsesStreamEncoder } from './stream-encoder.js';

/**
 * `POST /v1/responses`: the OpenAI Responses API in, any provider out, statelessly (nothing is stored, so
 * `previous_response_id` and friends are refused with a 400 saying so).
 */
export const openAiResponsesSurface: Surface<ParsedResponsesRequest> = {
  protocol: 'openai-responses',
  renderError: renderOpenAiError,
  credential: openAiCredential,
  parse: (body) => parseResponsesRequest(body),
  respond,
  streamEncoder: (meta, parsed) => new ResponsesStreamEncoder(meta, parsed.echo),
};
