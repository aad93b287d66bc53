import { errors } from '../../http/errors.js';
import type { Surface } from '../types.js';
import { forwardCompaction } from './forward.js';
import { openAiResponsesSurface } from './index.js';
import { COMPACTION_ELSEWHERE } from './input-items.js';
import { parseResponsesRequest, type ParsedResponsesRequest } from './request.js';

/**
 * `POST /v1/responses/compact`: OpenAI's conversation compaction, which Codex calls when its context fills and it
 * talks to OpenAI (it compacts locally with other providers). It returns OpenAI's encrypted compaction item, which only
 * OpenAI's Responses API can read back, so it is forwarded to a deployment that speaks Responses itself (openai, or
 * azure / openai_compatible with `responsesApi`) and refused with a 400 saying so for any other, before anything is
 * sent upstream. Not streamed. Governed and billed like any other request.
 * @see https://platform.openai.com/docs/api-reference/responses/compact
 */
export const openAiResponsesCompactSurface: Surface<ParsedResponsesRequest> = {
  ...openAiResponsesSurface,
  parse: (body) => {
    const parsed = parseResponsesRequest(body);
    if (parsed.stream) throw errors.invalidParameter('stream', 'compaction is not streamed: leave stream out.');
    return parsed;
  },
  forward: forwardCompaction,
  refuseTranslated: (parsed) => {
    throw errors.invalidParameter('model', `compaction (/v1/responses/compact) of '${parsed.model}': ${COMPACTION_ELSEWHERE}`);
  },
};
